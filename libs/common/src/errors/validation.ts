import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from './app-error';

/** Flattens nested class-validator errors into one list of `field.path` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    if (e.constraints) {
      out.push({ field, reasons: Object.values(e.constraints) });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

export function validationFailed(fields: FieldError[]): AppError {
  return new AppError('VALIDATION_FAILED', `Request validation failed: ${fields.map((f) => f.field).join(', ')}`, 400, { fields });
}

/**
 * Keys no request may carry. class-transformer silently skips keys that name a function on the
 * target (hasOwnProperty, constructor, __defineGetter__...), so `forbidNonWhitelisted` never sees
 * them and such a body passed as valid; `__proto__` and `prototype` are prototype-pollution probes.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * Paths of forbidden keys, of integers beyond 2^53 (JSON.parse already rounded them) and of strings
 * with NUL characters (PostgreSQL text cannot hold them) or lone UTF-16 surrogates (not text at all:
 * validators that URI-encode, like isEmail, throw on them) anywhere in a value.
 */
export function hostileFields(value: unknown, path = '', out: FieldError[] = [], depth = 0): FieldError[] {
  if (typeof value === 'string' && value.includes('\u0000')) {
    out.push({ field: path || 'value', reasons: [`${path || 'value'} must not contain NUL characters`] });
  }
  if (typeof value === 'string' && LONE_SURROGATE.test(value)) {
    out.push({ field: path || 'value', reasons: [`${path || 'value'} must be well-formed Unicode text`] });
  }
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    out.push({ field: path || 'body', reasons: [`${path || 'value'} must be an integer between -(2^53 - 1) and 2^53 - 1`] });
  }
  if (value === null || typeof value !== 'object' || depth > 32) return out;
  for (const key of Object.keys(value)) {
    const child = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && FORBIDDEN_KEYS.has(key)) out.push({ field: child, reasons: [`property ${key} should not exist`] });
    else hostileFields((value as Record<string, unknown>)[key], child, out, depth + 1);
  }
  return out;
}

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // a text body is an uploaded CSV: the importers check its encoding and answer CSV_ENCODING with the line
    const csvText = metadata.type === 'body' && typeof value === 'string';
    if (!csvText && (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param')) {
      const bad = hostileFields(value);
      if (bad.length) throw validationFailed(bad);
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}
