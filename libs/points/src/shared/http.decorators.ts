import { AppError, ErrorBodyDto } from '@huigong/common';
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';

/** A CSV upload arrives as text (Content-Type text/csv); anything else is refused up front. */
export function csvBody(body: unknown): string {
  if (typeof body !== 'string') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the file as CSV text with Content-Type: text/csv', 415);
  }
  return body;
}

export function ApiCsvBody(example: string, description: string): MethodDecorator {
  return applyDecorators(
    ApiConsumes('text/csv'),
    ApiBody({ description, schema: { type: 'string', example } }),
    ApiUnprocessableEntityResponse({ description: 'EMPTY_CSV, MALFORMED_CSV, CSV_ENCODING, INVALID_CSV_HEADER, TOO_MANY_ROWS (the file as a whole; row problems come back in the report)', type: ErrorBodyDto }),
  );
}

export const IdempotencyKeyHeader = () =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'optional; 1-100 printable ASCII characters. A replay returns the first result; the same key with a different request answers 409 IDEMPOTENCY_KEY_REUSED' });
