// RFC 6962 / RFC 9162 (Certificate Transparency) Merkle tree over entry hashes.
//
//   leaf = SHA-256(0x00 || entryHash bytes)      node = SHA-256(0x01 || left || right)
//
// The domain-separation prefixes stop a leaf from being passed off as an interior node.
// Trees are built bottom-up, pairing neighbours and promoting an unpaired last node unchanged
// to the next level; that yields exactly RFC 6962's recursive split at the largest power of two
// smaller than n (the spec file checks this against the recursive definition).
//
// Inputs are 64-digit hex strings (either case: only the bytes matter); outputs are lowercase.
import { hash } from 'node:crypto';

const HASH_BYTES = 32;
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

// Reused scratch inputs; every function here is synchronous, so nothing can interleave.
const leafInput = Buffer.alloc(1 + HASH_BYTES);
const nodeInput = Buffer.alloc(1 + 2 * HASH_BYTES);

/**
 * SHA-256 of input written into out[offset..offset+32). crypto.hash with a 'binary' (latin1)
 * string result plus a write into a preallocated buffer is several times faster than asking for a
 * Buffer, which allocates a fresh ArrayBuffer per call — this dominates for 10^6 leaves.
 */
function digestInto(input: Buffer, out: Buffer, offset: number): void {
  out.write(hash('sha256', input, 'binary'), offset, HASH_BYTES, 'latin1');
}

/** Decodes a 64-digit hex hash into target at offset; false if it is not exactly that. */
function writeHash(hex: unknown, target: Buffer, offset: number): boolean {
  // Buffer's hex decoder stops at the first invalid digit, so a short count means bad input.
  return (
    typeof hex === 'string' &&
    hex.length === 2 * HASH_BYTES &&
    target.write(hex, offset, HASH_BYTES, 'hex') === HASH_BYTES
  );
}

function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function leafLevel(leafHexes: readonly string[]): Buffer {
  const level = Buffer.allocUnsafe(leafHexes.length * HASH_BYTES);
  leafInput[0] = LEAF_PREFIX;
  for (let i = 0; i < leafHexes.length; i++) {
    if (!writeHash(leafHexes[i], leafInput, 1)) {
      throw new Error(`merkle leaf ${i} is not a 64-digit hex hash`);
    }
    digestInto(leafInput, level, i * HASH_BYTES);
  }
  return level;
}

/** Hashes neighbours pairwise; an odd last node moves up unchanged (RFC 6962 split). */
function parentLevel(level: Buffer, count: number): Buffer {
  const pairs = Math.floor(count / 2);
  const next = Buffer.allocUnsafe((count - pairs) * HASH_BYTES);
  nodeInput[0] = NODE_PREFIX;
  for (let p = 0; p < pairs; p++) {
    level.copy(nodeInput, 1, p * 2 * HASH_BYTES, (p + 1) * 2 * HASH_BYTES);
    digestInto(nodeInput, next, p * HASH_BYTES);
  }
  if (count % 2 === 1) {
    level.copy(next, pairs * HASH_BYTES, (count - 1) * HASH_BYTES, count * HASH_BYTES);
  }
  return next;
}

/** RFC 6962 leaf hash of one entry hash: SHA-256(0x00 || bytes). */
export function merkleLeafHash(entryHashHex: string): string {
  const out = Buffer.allocUnsafe(HASH_BYTES);
  if (!writeHash(entryHashHex, leafInput, 1)) throw new Error('merkle leaf is not a 64-digit hex hash');
  leafInput[0] = LEAF_PREFIX;
  digestInto(leafInput, out, 0);
  return out.toString('hex');
}

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function merkleNodeHash(leftHex: string, rightHex: string): string {
  const out = Buffer.allocUnsafe(HASH_BYTES);
  if (!writeHash(leftHex, nodeInput, 1) || !writeHash(rightHex, nodeInput, 1 + HASH_BYTES)) {
    throw new Error('merkle node child is not a 64-digit hex hash');
  }
  nodeInput[0] = NODE_PREFIX;
  digestInto(nodeInput, out, 0);
  return out.toString('hex');
}

/** Merkle tree head (MTH) of the given entry hashes, in order. Throws on an empty list. */
export function merkleRoot(leafHexes: readonly string[]): string {
  if (leafHexes.length === 0) throw new Error('merkle root of an empty list is undefined');
  let level = leafLevel(leafHexes);
  let count = leafHexes.length;
  while (count > 1) {
    level = parentLevel(level, count); // the previous level is dropped: O(n) memory at most
    count = Math.ceil(count / 2);
  }
  return level.toString('hex', 0, HASH_BYTES);
}

/** A fully materialised tree, for producing many inclusion proofs from one block. */
export interface MerkleTree {
  readonly size: number;
  readonly root: string;
  /** Audit path of leaf `index`, bottom-up, as RFC 6962 PATH(m, D[n]). */
  proof(index: number): string[];
}

export function buildMerkleTree(leafHexes: readonly string[]): MerkleTree {
  if (leafHexes.length === 0) throw new Error('merkle tree of an empty list is undefined');
  const levels: Buffer[] = [leafLevel(leafHexes)];
  const counts: number[] = [leafHexes.length];
  while (counts[counts.length - 1] > 1) {
    const count = counts[counts.length - 1];
    levels.push(parentLevel(levels[levels.length - 1], count));
    counts.push(Math.ceil(count / 2));
  }
  const size = leafHexes.length;
  return {
    size,
    root: levels[levels.length - 1].toString('hex', 0, HASH_BYTES),
    proof(index: number): string[] {
      if (!isIndex(index) || index >= size) {
        throw new RangeError(`leaf index ${String(index)} out of range for tree of size ${size}`);
      }
      const path: string[] = [];
      let i = index;
      for (let l = 0; l < levels.length - 1; l++) {
        const sibling = i % 2 === 0 ? i + 1 : i - 1;
        // A promoted last node has no sibling at this level, so it contributes nothing.
        if (sibling < counts[l]) {
          path.push(levels[l].toString('hex', sibling * HASH_BYTES, (sibling + 1) * HASH_BYTES));
        }
        i = Math.floor(i / 2);
      }
      return path;
    },
  };
}

/** Audit path for leaf `index` (0-based), bottom-up. */
export function inclusionProof(leafHexes: readonly string[], index: number): string[] {
  return buildMerkleTree(leafHexes).proof(index);
}

/**
 * RFC 9162 §2.1.3.2: checks that `leafHex` (an entry hash, hashed here as a leaf) at `index`
 * in a tree of `treeSize` leaves, with audit path `path`, yields `rootHex`. Never throws:
 * malformed input simply does not verify.
 */
export function verifyInclusion(
  leafHex: string,
  index: number,
  treeSize: number,
  path: readonly string[],
  rootHex: string,
): boolean {
  if (!isIndex(index) || !isIndex(treeSize) || index >= treeSize) return false;
  if (!Array.isArray(path)) return false;
  const root = Buffer.allocUnsafe(HASH_BYTES);
  if (!writeHash(rootHex, root, 0)) return false;
  if (!writeHash(leafHex, leafInput, 1)) return false;
  leafInput[0] = LEAF_PREFIX;
  const r = Buffer.allocUnsafe(HASH_BYTES);
  digestInto(leafInput, r, 0);

  // Division instead of >>> keeps this correct above 2^31 leaves.
  let fn = index;
  let sn = treeSize - 1;
  nodeInput[0] = NODE_PREFIX;
  for (const p of path) {
    if (sn === 0) return false; // path longer than the tree is tall
    if (fn % 2 === 1 || fn === sn) {
      // p is a left sibling: r = HASH(0x01 || p || r)
      r.copy(nodeInput, 1 + HASH_BYTES);
      if (!writeHash(p, nodeInput, 1)) return false;
      digestInto(nodeInput, r, 0);
      // Skip the levels where this subtree was promoted without a sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      // p is a right sibling: r = HASH(0x01 || r || p)
      r.copy(nodeInput, 1);
      if (!writeHash(p, nodeInput, 1 + HASH_BYTES)) return false;
      digestInto(nodeInput, r, 0);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}
