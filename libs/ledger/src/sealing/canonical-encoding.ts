// Canonical encoding of ledger entries and block headers for tamper evidence.
//
// Everything here is pure and depends only on node:crypto so that an auditor can recompute
// hashes with nothing but this directory (see tools/verify-proof.ts and libs/ledger/SEALING.md).
// Any change to the bytes produced here invalidates every sealed block: bump the version tag
// ("huigong-entry-v1", "huigong-block-v1") instead of editing the rules.
import { hash } from 'node:crypto';

/** One transfer of an entry. Ids and amounts are canonical decimal strings of bigint values. */
export interface CanonicalTransfer {
  debitAccountId: string;
  creditAccountId: string;
  /** Integer fen, canonical decimal string (no sign, no leading zeros). */
  amount: string;
}

/** The sealed view of a ledger entry: exactly the fields that the entry hash covers. */
export interface CanonicalEntry {
  id: string;
  kind: string;
  idempotencyKey: string;
  reference: string | null;
  actor: string | null;
  /** ISO-8601 UTC with microseconds, e.g. 2026-11-26T19:20:34.123456Z, exactly as stored. */
  createdAt: string;
  /** Any JSON value; numbers in it must be safe integers. */
  metadata: unknown;
  /** In transfer id order (the caller's responsibility; the order is hashed as given). */
  transfers: CanonicalTransfer[];
}

/** A sealed block's header; its hash is what the next block's prevHash points at. */
export interface BlockHeader {
  height: number;
  /** Hash of the previous block's header; GENESIS_PREV_HASH for height 0. */
  prevHash: string;
  /** RFC 6962 Merkle root over the entry hashes of this block, in block order. */
  merkleRoot: string;
  entryCount: number;
  firstEntryId: string;
  lastEntryId: string;
  /** Same format as CanonicalEntry.createdAt. */
  sealedAt: string;
}

export const ENTRY_DOMAIN_TAG = 'huigong-entry-v1\n';
export const BLOCK_DOMAIN_TAG = 'huigong-block-v1\n';

/** prevHash of the block at height 0: 32 zero bytes in hex. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Timestamps are hashed as text, so exactly one textual form is accepted. */
export const CANONICAL_TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Canonical decimal of a non-negative bigint: "0" or no leading zeros, no sign. */
export const CANONICAL_DECIMAL_RE = /^(0|[1-9][0-9]*)$/;

/** Lowercase hex SHA-256 digest. */
export const HASH_HEX_RE = /^[0-9a-f]{64}$/;

/** Thrown when a value cannot be encoded canonically (so it must never be sealed as is). */
export class CanonicalEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalEncodingError';
  }
}

/**
 * Deterministic JSON: object keys sorted by UTF-16 code units, no whitespace, strings escaped
 * as JSON.stringify does, numbers only as safe integers, bigint as a decimal string,
 * undefined object members omitted. Anything ambiguous (floats, undefined in arrays, Dates,
 * Maps, class instances, cycles) is rejected rather than silently coerced.
 */
export function canonicalJson(value: unknown): string {
  return encodeValue(value, '$', new Set<object>());
}

function encodeValue(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // Floats would make the encoding depend on number formatting; amounts never use them.
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalEncodingError(`${path}: number ${String(value)} is not a safe integer`);
      }
      return JSON.stringify(value); // normalises -0 to 0
    case 'bigint':
      return `"${value.toString(10)}"`;
    case 'object':
      break;
    default:
      throw new CanonicalEncodingError(`${path}: ${typeof value} cannot be encoded`);
  }
  if (value === null) return 'null';

  if (seen.has(value)) throw new CanonicalEncodingError(`${path}: circular reference`);
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    const parts: string[] = [];
    for (let i = 0; i < items.length; i++) {
      // JSON.stringify turns holes and undefined into null; refuse instead of guessing.
      if (!(i in items) || items[i] === undefined) {
        throw new CanonicalEncodingError(`${path}[${i}]: undefined array element`);
      }
      parts.push(encodeValue(items[i], `${path}[${i}]`, seen));
    }
    out = `[${parts.join(',')}]`;
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // Dates, Buffers, Maps etc. have toJSON/iteration semantics we do not want to depend on.
      throw new CanonicalEncodingError(`${path}: only plain objects can be encoded`);
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is the documented order.
    const keys = Object.keys(record).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${encodeValue(member, `${path}.${key}`, seen)}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(value); // shared (non-circular) references are fine
  return out;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new CanonicalEncodingError(`${field} must be a string`);
  return value;
}

function requireNullableString(value: unknown, field: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') {
    throw new CanonicalEncodingError(`${field} must be a string or null`);
  }
  return value;
}

function requireDecimal(value: unknown, field: string): string {
  if (typeof value !== 'string' || !CANONICAL_DECIMAL_RE.test(value)) {
    throw new CanonicalEncodingError(`${field} must be a canonical decimal string`);
  }
  return value;
}

function requireTimestamp(value: unknown, field: string): string {
  if (typeof value !== 'string' || !CANONICAL_TIMESTAMP_RE.test(value)) {
    throw new CanonicalEncodingError(
      `${field} must look like 2026-11-26T19:20:34.123456Z (UTC, microseconds)`,
    );
  }
  return value;
}

function requireHash(value: unknown, field: string): string {
  if (typeof value !== 'string' || !HASH_HEX_RE.test(value)) {
    throw new CanonicalEncodingError(`${field} must be 64 lowercase hex digits`);
  }
  return value;
}

function requireCount(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new CanonicalEncodingError(`${field} must be an integer >= ${min}`);
  }
  return value;
}

/**
 * "huigong-entry-v1\n" + canonical JSON of exactly the CanonicalEntry fields. The object is
 * rebuilt field by field so extra properties on the caller's object (a DB row, a proof file)
 * can never leak into the hash.
 */
export function encodeEntry(e: CanonicalEntry): string {
  if (typeof e !== 'object' || e === null) throw new CanonicalEncodingError('entry must be an object');
  if (!Array.isArray(e.transfers)) throw new CanonicalEncodingError('entry.transfers must be an array');
  if (e.metadata === undefined) {
    // Omitting it would make "no metadata" and "metadata: undefined" hash alike silently.
    throw new CanonicalEncodingError('entry.metadata must be a JSON value (use null for none)');
  }
  const transfers = e.transfers.map((t: CanonicalTransfer, i: number) => {
    if (typeof t !== 'object' || t === null) {
      throw new CanonicalEncodingError(`entry.transfers[${i}] must be an object`);
    }
    return {
      debitAccountId: requireDecimal(t.debitAccountId, `entry.transfers[${i}].debitAccountId`),
      creditAccountId: requireDecimal(t.creditAccountId, `entry.transfers[${i}].creditAccountId`),
      amount: requireDecimal(t.amount, `entry.transfers[${i}].amount`),
    };
  });
  const canonical = {
    id: requireDecimal(e.id, 'entry.id'),
    kind: requireString(e.kind, 'entry.kind'),
    idempotencyKey: requireString(e.idempotencyKey, 'entry.idempotencyKey'),
    reference: requireNullableString(e.reference, 'entry.reference'),
    actor: requireNullableString(e.actor, 'entry.actor'),
    createdAt: requireTimestamp(e.createdAt, 'entry.createdAt'),
    metadata: e.metadata,
    transfers,
  };
  return ENTRY_DOMAIN_TAG + canonicalJson(canonical);
}

/** Lowercase hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex'); // strings are hashed as UTF-8
}

/** The entry hash: lowercase hex SHA-256 of encodeEntry(e) in UTF-8. */
export function hashEntry(e: CanonicalEntry): string {
  return sha256Hex(encodeEntry(e));
}

/** "huigong-block-v1\n" + canonical JSON of exactly the BlockHeader fields. */
export function encodeBlockHeader(h: BlockHeader): string {
  if (typeof h !== 'object' || h === null) throw new CanonicalEncodingError('block header must be an object');
  const canonical: BlockHeader = {
    height: requireCount(h.height, 'block.height', 0),
    prevHash: requireHash(h.prevHash, 'block.prevHash'),
    merkleRoot: requireHash(h.merkleRoot, 'block.merkleRoot'),
    entryCount: requireCount(h.entryCount, 'block.entryCount', 1),
    firstEntryId: requireDecimal(h.firstEntryId, 'block.firstEntryId'),
    lastEntryId: requireDecimal(h.lastEntryId, 'block.lastEntryId'),
    sealedAt: requireTimestamp(h.sealedAt, 'block.sealedAt'),
  };
  return BLOCK_DOMAIN_TAG + canonicalJson(canonical);
}

/** The block hash: lowercase hex SHA-256 of encodeBlockHeader(h) in UTF-8. */
export function hashBlockHeader(h: BlockHeader): string {
  return sha256Hex(encodeBlockHeader(h));
}
