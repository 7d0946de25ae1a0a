// Self-contained inclusion proof for one ledger entry: entry -> block Merkle root -> block hash
// -> every later block header -> chain head. Verifying needs nothing but this directory.
//
// A proof only shows consistency with `head`; the verifier must still compare head.hash with a
// head it trusts (published, or read from its own copy of the chain).
import {
  BlockHeader,
  CanonicalEncodingError,
  CanonicalEntry,
  GENESIS_PREV_HASH,
  HASH_HEX_RE,
  hashBlockHeader,
  hashEntry,
} from './canonical-encoding';
import { buildMerkleTree, verifyInclusion } from './merkle';

export interface EntryProof {
  version: 1;
  entry: CanonicalEntry;
  entryHash: string;
  /** Position of the entry in its block (0-based, block order). */
  leafIndex: number;
  block: BlockHeader;
  blockHash: string;
  /** RFC 6962 audit path from the leaf up to block.merkleRoot. */
  auditPath: string[];
  /** Headers of every block after the entry's block, up to the head, in height order. */
  chain: BlockHeader[];
  head: { height: number; hash: string };
}

export type ProofVerdict = { ok: true } | { ok: false; reason: string };

export interface BuildEntryProofInput {
  entry: CanonicalEntry;
  /** Entry hashes of the whole block, in block order. */
  blockEntryHashes: readonly string[];
  block: BlockHeader;
  /** Headers after `block` up to the head, in height order (empty if `block` is the head). */
  chain: readonly BlockHeader[];
}

/** Assembles a proof, checking on the way that the inputs agree with each other. */
export function buildEntryProof(input: BuildEntryProofInput): EntryProof {
  const entryHash = hashEntry(input.entry);
  const leafIndex = input.blockEntryHashes.indexOf(entryHash);
  if (leafIndex < 0) throw new Error(`entry ${input.entry.id} is not among the block's entry hashes`);
  if (input.blockEntryHashes.length !== input.block.entryCount) {
    throw new Error('block entryCount does not match the number of entry hashes given');
  }
  const tree = buildMerkleTree(input.blockEntryHashes);
  if (tree.root !== input.block.merkleRoot) throw new Error('block merkleRoot does not match its entries');
  const blockHash = hashBlockHeader(input.block);
  const chain = input.chain.map((h) => ({ ...h }));
  const last = chain.length > 0 ? chain[chain.length - 1] : input.block;
  const proof: EntryProof = {
    version: 1,
    entry: input.entry,
    entryHash,
    leafIndex,
    block: { ...input.block },
    blockHash,
    auditPath: tree.proof(leafIndex),
    chain,
    head: { height: last.height, hash: chain.length > 0 ? hashBlockHeader(last) : blockHash },
  };
  // Refuse to hand out a proof that would not verify (e.g. a gap in `chain`).
  const verdict = verifyEntryProof(proof);
  if (!verdict.ok) throw new Error(`built proof does not verify: ${verdict.reason}`);
  return proof;
}

function fail(reason: string): ProofVerdict {
  return { ok: false, reason };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Hashes a header, turning encoding errors into a verdict instead of an exception. */
function headerHash(h: unknown, label: string): { hash: string } | { reason: string } {
  if (!isRecord(h)) return { reason: `malformed proof: ${label} is not an object` };
  try {
    return { hash: hashBlockHeader(h as unknown as BlockHeader) };
  } catch (e) {
    if (e instanceof CanonicalEncodingError) return { reason: `malformed proof: ${label}: ${e.message}` };
    throw e;
  }
}

function genesisReason(h: BlockHeader, label: string): string | null {
  if ((h.height === 0) !== (h.prevHash === GENESIS_PREV_HASH)) {
    return h.height === 0
      ? `${label} at height 0 does not have the genesis prevHash`
      : `${label} at height ${h.height} has the genesis prevHash`;
  }
  return null;
}

/**
 * Recomputes everything in the proof. Accepts untrusted input (e.g. straight from JSON.parse):
 * never throws for malformed proofs, it reports them.
 */
export function verifyEntryProof(p: EntryProof): ProofVerdict {
  const proof: unknown = p;
  if (!isRecord(proof)) return fail('malformed proof: not an object');
  if (proof.version !== 1) return fail(`unsupported proof version ${JSON.stringify(proof.version) ?? 'undefined'}`);
  if (!isRecord(proof.entry)) return fail('malformed proof: entry is not an object');
  if (!isRecord(proof.block)) return fail('malformed proof: block is not an object');
  if (!Array.isArray(proof.chain)) return fail('malformed proof: chain is not an array');
  if (!Array.isArray(proof.auditPath) || !proof.auditPath.every((h) => typeof h === 'string' && HASH_HEX_RE.test(h))) {
    return fail('malformed proof: auditPath must be an array of 64-digit lowercase hex hashes');
  }
  if (!isRecord(proof.head) || typeof proof.head.height !== 'number' || typeof proof.head.hash !== 'string') {
    return fail('malformed proof: head must be { height, hash }');
  }
  if (typeof proof.entryHash !== 'string') return fail('malformed proof: entryHash is not a string');
  if (typeof proof.blockHash !== 'string') return fail('malformed proof: blockHash is not a string');
  if (typeof proof.leafIndex !== 'number' || !Number.isSafeInteger(proof.leafIndex) || proof.leafIndex < 0) {
    return fail('malformed proof: leafIndex must be a non-negative integer');
  }

  // 1. The entry hashes to entryHash.
  let entryHash: string;
  try {
    entryHash = hashEntry(proof.entry as unknown as CanonicalEntry);
  } catch (e) {
    if (e instanceof CanonicalEncodingError) return fail(`malformed proof: ${e.message}`);
    throw e;
  }
  if (entryHash !== proof.entryHash) return fail('entry hash mismatch');

  // 2. The block header is well formed (validated here, compared in step 4).
  const blockHashed = headerHash(proof.block, 'block');
  if ('reason' in blockHashed) return fail(blockHashed.reason);
  const block = proof.block as unknown as BlockHeader;

  // 3. The entry sits at leafIndex of the block's Merkle tree.
  const leafIndex = proof.leafIndex;
  if (leafIndex >= block.entryCount) {
    return fail(`leaf index ${leafIndex} out of range for block of ${block.entryCount} entries`);
  }
  // Whatever the block's order, its first and last entries are named in the header.
  const entryId = (proof.entry as unknown as CanonicalEntry).id;
  if (leafIndex === 0 && entryId !== block.firstEntryId) {
    return fail("entry is at leaf 0 but is not the block's firstEntryId");
  }
  if (leafIndex === block.entryCount - 1 && entryId !== block.lastEntryId) {
    return fail("entry is the last leaf but is not the block's lastEntryId");
  }
  if (!verifyInclusion(entryHash, leafIndex, block.entryCount, proof.auditPath as string[], block.merkleRoot)) {
    return fail('merkle path does not lead to block root');
  }

  // 4. The header hashes to blockHash and sits where a genesis block may (or may not) be.
  if (blockHashed.hash !== proof.blockHash) return fail('block hash mismatch');
  const genesis = genesisReason(block, 'block');
  if (genesis) return fail(genesis);

  // 5. Every later header links to the one before it.
  let prevHeight = block.height;
  let prevHash = blockHashed.hash;
  for (let i = 0; i < proof.chain.length; i++) {
    const raw: unknown = proof.chain[i];
    const expected = prevHeight + 1;
    const hashed = headerHash(raw, `chain[${i}]`);
    if ('reason' in hashed) return fail(hashed.reason);
    const header = raw as BlockHeader;
    if (header.height !== expected) {
      return fail(`chain broken at height ${expected}: chain[${i}] has height ${header.height}`);
    }
    if (header.prevHash !== prevHash) {
      return fail(`chain broken at height ${expected}: prevHash does not match the hash of block ${prevHeight}`);
    }
    prevHeight = header.height;
    prevHash = hashed.hash;
  }

  // 6. The last hash is the claimed head.
  if (proof.head.height !== prevHeight) {
    return fail(`head height mismatch: chain ends at height ${prevHeight}, head claims ${String(proof.head.height)}`);
  }
  if (proof.head.hash !== prevHash) return fail(`head hash mismatch at height ${prevHeight}`);
  return { ok: true };
}
