import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { validationFailed } from '../errors/validation';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const KEY_RE = /^[\x21-\x7e]{1,100}$/; // printable ASCII, no spaces

/** Reads and validates the `Idempotency-Key` header (required, 1–100 printable ASCII characters). */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const raw = ctx.switchToHttp().getRequest().headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw validationFailed([{ field: IDEMPOTENCY_KEY_HEADER, reasons: ['Idempotency-Key header is required: 1-100 printable ASCII characters without spaces'] }]);
  }
  return key;
});

/** Swagger: documents the header on a route. */
export function ApiIdempotencyKey(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: true,
      description: 'Client-chosen key (1-100 printable ASCII characters). A replay with the same key returns the first result (header Idempotent-Replayed: true); the same key with a different body answers 409 IDEMPOTENCY_KEY_REUSED.',
    }),
  );
}
