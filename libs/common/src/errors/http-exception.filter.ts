import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { AppError } from './app-error';
import { isDatabaseUnavailable } from './database-unavailable';

interface Mapped {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/** PostgreSQL constraint violations are the client's fault, never a 500. */
function mapDatabaseError(err: QueryFailedError): Mapped | null {
  const pg = err.driverError as { code?: string; constraint?: string; detail?: string; table?: string };
  switch (pg?.code) {
    case '23505':
      return { status: 409, code: 'ALREADY_EXISTS', message: 'A record with the same unique value already exists', details: { constraint: pg.constraint } };
    case '23503':
      return { status: 409, code: 'REFERENCE_CONFLICT', message: 'The record refers to, or is referred to by, another record', details: { constraint: pg.constraint } };
    case '23514':
    case '23502':
      return { status: 422, code: 'CONSTRAINT_VIOLATED', message: 'The values break a rule of the data', details: { constraint: pg.constraint } };
    case '22P02':
    case '22003':
    case '22001':
    case '22007':
    case '22008':
    case '22021': // a NUL or invalid byte in text
    case '22P05': // a character the encoding cannot hold
      return { status: 400, code: 'INVALID_VALUE', message: 'A value has the wrong form or is out of range' };
    default:
      return null;
  }
}

function map(exception: unknown): Mapped {
  if (exception instanceof AppError) {
    return { status: exception.status, code: exception.code, message: exception.message, details: exception.details };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse() as string | { message?: unknown; code?: string; details?: unknown };
    const message =
      typeof body === 'string' ? body : Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? exception.message);
    // Nest turns body-parser's SyntaxError into a plain 400; give it its own code
    const malformed = status === 400 && typeof body === 'object' && !body.code && /JSON/.test(message);
    return {
      status,
      code: malformed ? 'MALFORMED_JSON' : (typeof body === 'object' && body.code) || STATUS_CODES[status] || `HTTP_${status}`,
      message,
      details: typeof body === 'object' ? body.details : undefined,
    };
  }
  if (exception instanceof QueryFailedError) {
    const mapped = mapDatabaseError(exception);
    if (mapped) return mapped;
  }
  // PostgreSQL away (restart, failover): nothing was written; the client retries, a 500 would say "our bug"
  if (isDatabaseUnavailable(exception)) {
    return { status: HttpStatus.SERVICE_UNAVAILABLE, code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable for a moment; retry the request (with the same Idempotency-Key)' };
  }
  // body-parser errors carry a status and a type
  const e = exception as { status?: number; type?: string; message?: string };
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    const code = e.type === 'entity.too.large' ? 'PAYLOAD_TOO_LARGE' : e.type === 'entity.parse.failed' ? 'MALFORMED_JSON' : STATUS_CODES[e.status] || 'BAD_REQUEST';
    return { status: e.status, code, message: e.message || code };
  }
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' };
}

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const m = map(exception);
    // a 503 the code chose (overload, database down) is expected under load: a warning, and the client is told when to retry
    const unavailable = m.code === 'DATABASE_UNAVAILABLE' || (exception instanceof AppError && m.status === 503);
    if (unavailable) this.logger.warn({ err: (exception as Error)?.message, path: req?.url }, m.code === 'DATABASE_UNAVAILABLE' ? 'database unavailable' : 'unavailable');
    else if (m.status >= 500) this.logger.error({ err: exception, path: req?.url }, 'unhandled error');
    const requestId = req?.id !== undefined ? String(req.id) : undefined;
    if (res.headersSent) return;
    if (unavailable) res.setHeader('Retry-After', '1');
    if (m.status === 429) {
      const wait = (m.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      res.setHeader('Retry-After', String(typeof wait === 'number' && wait > 0 ? Math.ceil(wait) : 60));
    }
    // a route may have set CSV headers (@Header) before it failed: the error is JSON, not a download
    res.removeHeader('Content-Disposition');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.status(m.status).json({ error: { code: m.code, message: m.message, details: m.details, requestId } });
  }
}
