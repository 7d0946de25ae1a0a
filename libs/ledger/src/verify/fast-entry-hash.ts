import {
  CANONICAL_DECIMAL_RE,
  CANONICAL_TIMESTAMP_RE,
  CanonicalEncodingError,
  canonicalJson,
  ENTRY_DOMAIN_TAG,
  sha256Hex,
} from '../sealing';

/** One transfer as the verifier streams it: [debitAccountId, creditAccountId, amount], decimal strings. */
export type TransferTuple = [debit: string, credit: string, amount: string];

function decimal(v: string, field: string): string {
  if (!CANONICAL_DECIMAL_RE.test(v)) throw new CanonicalEncodingError(`${field} must be a canonical decimal string`);
  return v;
}

function nullableString(v: string | null, field: string): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') throw new CanonicalEncodingError(`${field} must be a string or null`);
  return JSON.stringify(v);
}

/**
 * hashEntry (SEALING.md §2) for the verifier's hot loop: the same bytes, built by concatenation in
 * the canonical key order (actor, createdAt, id, idempotencyKey, kind, metadata, reference,
 * transfers; amount, creditAccountId, debitAccountId) instead of the generic encoder; only the
 * free-form metadata goes through canonicalJson. The same fields are checked the same way.
 * fast-entry-hash.spec.ts proves it equal to hashEntry over random entries.
 */
export function fastHashEntry(
  id: string,
  kind: string,
  idempotencyKey: string,
  reference: string | null,
  actor: string | null,
  createdAt: string,
  metadata: unknown,
  transfers: readonly TransferTuple[],
): string {
  if (typeof kind !== 'string') throw new CanonicalEncodingError('entry.kind must be a string');
  if (typeof idempotencyKey !== 'string') throw new CanonicalEncodingError('entry.idempotencyKey must be a string');
  if (typeof createdAt !== 'string' || !CANONICAL_TIMESTAMP_RE.test(createdAt)) {
    throw new CanonicalEncodingError('entry.createdAt must look like 2026-11-26T19:20:34.123456Z (UTC, microseconds)');
  }
  if (metadata === undefined) throw new CanonicalEncodingError('entry.metadata must be a JSON value (use null for none)');
  let ts = '';
  for (let i = 0; i < transfers.length; i++) {
    const t = transfers[i];
    ts +=
      (i ? ',{"amount":"' : '{"amount":"') +
      decimal(t[2], `entry.transfers[${i}].amount`) +
      '","creditAccountId":"' +
      decimal(t[1], `entry.transfers[${i}].creditAccountId`) +
      '","debitAccountId":"' +
      decimal(t[0], `entry.transfers[${i}].debitAccountId`) +
      '"}';
  }
  return sha256Hex(
    ENTRY_DOMAIN_TAG +
      '{"actor":' +
      nullableString(actor, 'entry.actor') +
      ',"createdAt":"' +
      createdAt +
      '","id":"' +
      decimal(id, 'entry.id') +
      '","idempotencyKey":' +
      JSON.stringify(idempotencyKey) +
      ',"kind":' +
      JSON.stringify(kind) +
      ',"metadata":' +
      (metadata === null ? 'null' : (parsedJsonCanonical(metadata) ?? canonicalJson(metadata))) +
      ',"reference":' +
      nullableString(reference, 'entry.reference') +
      ',"transfers":[' +
      ts +
      ']}',
  );
}

/**
 * canonicalJson for what JSON.parse returns (metadata as pg decodes jsonb): plain objects, arrays,
 * strings, booleans, null and numbers, never cycles — so no cycle set and no error paths built per
 * member. Anything else (a float, an unexpected object) gives undefined and the caller takes
 * canonicalJson, which encodes it or names the exact problem. fast-entry-hash.spec.ts proves the two equal.
 */
export function parsedJsonCanonical(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isSafeInteger(v) ? JSON.stringify(v) : undefined;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return undefined;
      const item = parsedJsonCanonical(v[i]);
      if (item === undefined) return undefined;
      out += i ? ',' + item : item;
    }
    return out + ']';
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return undefined;
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort(); // UTF-16 code units, as canonicalJson
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const member = record[keys[i]];
    if (member === undefined) continue;
    const encoded = parsedJsonCanonical(member);
    if (encoded === undefined) return undefined;
    out += (first ? '' : ',') + JSON.stringify(keys[i]) + ':' + encoded;
    first = false;
  }
  return out + '}';
}
