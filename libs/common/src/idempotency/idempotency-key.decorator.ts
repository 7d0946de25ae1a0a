import { applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { validationFailed } from '../errors/validation';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const KEY_RE = /^[\x21-\x7e]{1,100}$/; // printable ASCII, no spaces

function headerValue(ctx: ExecutionContext): unknown {
  const raw = ctx.switchToHttp().getRequest().headers['idempotency-key'];
  return Array.isArray(raw) ? raw[0] : raw;
}

/** Reads and validates the `Idempotency-Key` header (required, 1–100 printable ASCII characters). */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const key = headerValue(ctx);
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw validationFailed([{ field: IDEMPOTENCY_KEY_HEADER, reasons: ['Idempotency-Key header is required: 1-100 printable ASCII characters without spaces'] }]);
  }
  return key;
});

/**
 * The header where it is optional (actions on an existing resource whose state machine already
 * refuses a second run): undefined when absent, 400 VALIDATION_FAILED when malformed.
 */
export const OptionalIdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const key = headerValue(ctx);
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw validationFailed([{ field: IDEMPOTENCY_KEY_HEADER, reasons: ['Idempotency-Key header: 1-100 printable ASCII characters without spaces'] }]);
  }
  return key;
});

/** Swagger: documents the header on a route (required unless `{ required: false }`). */
export function ApiIdempotencyKey(opts: { required?: boolean } = {}): MethodDecorator {
  const required = opts.required ?? true;
  return applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required,
      description:
        (required ? '' : 'Optional. ') +
        'Client-chosen key (1-100 printable ASCII characters). A replay with the same key returns the first result (header Idempotent-Replayed: true); the same key with a different body answers 409 IDEMPOTENCY_KEY_REUSED.',
    }),
  );
}
