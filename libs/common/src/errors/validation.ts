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

/** Distinct valid query strings remembered (all opted-in DTOs together); the memo is emptied when full. */
export const VALID_QUERY_MEMO_SIZE = 5000;

const REMEMBERED_QUERY_DTOS = new WeakSet<object>();

/**
 * Opts a query DTO class into the validation pipe's memo of valid queries: a query string seen valid
 * before is answered with a copy of its DTO, without class-transformer and class-validator. For hot
 * query DTOs only (product search): the class itself must opt in (a subclass does not inherit it), and
 * a DTO is remembered only when every value is a primitive or an array of primitives — the copy is
 * one level deep, so a Date or a nested object would be shared between requests.
 */
export function RememberValidQueries(): ClassDecorator {
  return (target) => {
    REMEMBERED_QUERY_DTOS.add(target);
  };
}

const isPrimitive = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function');

/** Whether a one-level copy of the DTO shares nothing mutable with it. */
function primitivesOnly(dto: object): boolean {
  for (const v of Object.values(dto)) {
    if (!isPrimitive(v) && !(Array.isArray(v) && v.every(isPrimitive))) return false;
  }
  return true;
}

/** A copy the handler may change without changing the remembered one (primitivesOnly holds for it). */
function copyOf(dto: object): object {
  const out = Object.create(Object.getPrototypeOf(dto)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(dto)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out;
}

/** The query string's parsed values as one key: strings and arrays of strings, as Express parses them. */
function queryKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const v of Object.values(value)) {
    if (typeof v !== 'string' && !(Array.isArray(v) && v.every((e) => typeof e === 'string'))) return undefined;
  }
  return JSON.stringify(value);
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `id`, `unionId`, `memberIds`, …: the fields that carry ids */
const ID_KEY = /^ids?$|[a-z]Ids?$/;

const lowerUuid = (v: unknown): unknown => (typeof v === 'string' && UUID_TEXT.test(v) ? v.toLowerCase() : Array.isArray(v) ? v.map(lowerUuid) : v);

/** Id fields of a parsed body or query, at any depth (a checkout's lines[].skuId): UUIDs lower-cased in place. */
function lowerIdFields(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if (Array.isArray(value)) {
    for (const item of value) lowerIdFields(item, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (ID_KEY.test(key)) obj[key] = lowerUuid(v);
    else lowerIdFields(v, depth + 1);
  }
}

/**
 * UUIDs arrive in any letter case (ParseUUIDPipe and @IsUUID accept upper case) and PostgreSQL
 * answers them in lower case. Compared in JavaScript, hashed into an idempotency request or echoed
 * back, the client's spelling caused a long line of bugs (a guard skipped, a replay refused, a
 * lookup missed). So every path parameter that is a UUID, and every id field (`id`, `…Id`, `…Ids`)
 * of a query or body that is one, reaches the controller in lower case — the one spelling stored.
 */
export function lowerCaseIds(value: unknown, type: ArgumentMetadata['type']): unknown {
  if (type === 'param') {
    if (typeof value === 'string') return lowerUuid(value);
    lowerIdFields(value);
    return value;
  }
  if (type === 'query' || type === 'body') lowerIdFields(value);
  return value;
}

class StrictValidationPipe extends ValidationPipe {
  /**
   * Valid query DTOs by class and query values. Transforming and validating a query is a pure
   * function of its strings (no validator of ours reads anything else), and shoppers repeat the same
   * few queries (a search page costs less to serve from the search cache than to validate), so a
   * query seen valid before is answered with a copy of its DTO. Only DTO classes marked
   * @RememberValidQueries(); invalid queries and DTOs holding objects are not remembered.
   */
  private readonly validQueries = new Map<unknown, Map<string, object>>();
  private remembered = 0;

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    value = lowerCaseIds(value, metadata.type);
    const key = metadata.type === 'query' && metadata.metatype && REMEMBERED_QUERY_DTOS.has(metadata.metatype) ? queryKey(value) : undefined;
    if (key !== undefined) {
      const dto = this.validQueries.get(metadata.metatype)?.get(key);
      if (dto) return copyOf(dto);
    }
    // a text body is an uploaded CSV: the importers check its encoding and answer CSV_ENCODING with the line
    const csvText = metadata.type === 'body' && typeof value === 'string';
    if (!csvText && (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param')) {
      const bad = hostileFields(value);
      if (bad.length) throw validationFailed(bad);
    }
    const out: unknown = await super.transform(value, metadata);
    if (key !== undefined && out !== null && typeof out === 'object' && primitivesOnly(out)) {
      if (this.remembered >= VALID_QUERY_MEMO_SIZE) {
        this.validQueries.clear();
        this.remembered = 0;
      }
      let byKey = this.validQueries.get(metadata.metatype);
      if (!byKey) this.validQueries.set(metadata.metatype, (byKey = new Map()));
      // two requests may both miss the same query: count it once
      if (!byKey.has(key)) this.remembered++;
      byKey.set(key, copyOf(out));
    }
    return out;
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
