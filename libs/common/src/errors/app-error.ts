import { HttpStatus } from '@nestjs/common';

/**
 * The one error type business code throws. The HTTP layer turns it into
 * `{ "error": { "code", "message", "details" } }` with its status; workers log the same fields.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = HttpStatus.BAD_REQUEST,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(what: string, id?: string | number): AppError {
    return new AppError('NOT_FOUND', id === undefined ? `${what} not found` : `${what} ${id} not found`, 404, {
      resource: what,
      id,
    });
  }

  static forbidden(message = 'You may not do this', code = 'FORBIDDEN', details?: unknown): AppError {
    return new AppError(code, message, 403, details);
  }

  static conflict(code: string, message: string, details?: unknown): AppError {
    return new AppError(code, message, 409, details);
  }

  static unprocessable(code: string, message: string, details?: unknown): AppError {
    return new AppError(code, message, 422, details);
  }
}

export interface FieldError {
  field: string;
  reasons: string[];
  value?: unknown;
}
