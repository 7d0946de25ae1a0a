// The verifier's Merkle work split in two: RFC 6962 leaf hashes are computed where the entries are
// hashed (worker threads, EntryBatchBuilder) and travel as one byte array per range; the verifier's
// thread only pairs them up to the root. Same hashes as sealing/merkle.ts (merkle-leaf-nodes.spec.ts
// proves the root equal to merkleRoot). Kept free of framework imports (worker threads load it).
import { hash } from 'node:crypto';

export const NODE_BYTES = 32;
const leafInput = Buffer.alloc(1 + NODE_BYTES); // 0x00 || entry hash
const nodeInput = Buffer.alloc(1 + 2 * NODE_BYTES); // 0x01 || left || right
nodeInput[0] = 0x01;

/** SHA-256 of input into out[offset, offset + 32): a latin1 string result beats allocating a Buffer per call. */
function digestInto(input: Buffer, out: Buffer, offset: number): void {
  out.write(hash('sha256', input, 'binary'), offset, NODE_BYTES, 'latin1');
}

/**
 * Writes the leaf hash SHA-256(0x00 || entry hash bytes) of a 64-digit hex entry hash into out at
 * offset; false (32 zero bytes written) when it is not one — merkleRoot would refuse it, and the
 * entry is named for it anyway.
 */
export function leafNodeInto(entryHashHex: string, out: Buffer, offset: number): boolean {
  leafInput[0] = 0x00;
  if (entryHashHex.length !== 2 * NODE_BYTES || leafInput.write(entryHashHex, 1, NODE_BYTES, 'hex') !== NODE_BYTES) {
    out.fill(0, offset, offset + NODE_BYTES);
    return false;
  }
  digestInto(leafInput, out, offset);
  return true;
}

/** The root over count leaf hashes (count ≥ 1), built bottom-up as merkleRoot does: pairs, an odd last node moves up. */
export function rootOfLeafNodes(leaves: Buffer, count: number): string {
  let level = leaves;
  let n = count;
  while (n > 1) {
    const pairs = n >> 1;
    const next = Buffer.allocUnsafe((n - pairs) * NODE_BYTES);
    for (let p = 0; p < pairs; p++) {
      level.copy(nodeInput, 1, 2 * p * NODE_BYTES, (2 * p + 2) * NODE_BYTES);
      digestInto(nodeInput, next, p * NODE_BYTES);
    }
    if (n & 1) level.copy(next, pairs * NODE_BYTES, (n - 1) * NODE_BYTES, n * NODE_BYTES);
    level = next;
    n -= pairs;
  }
  return level.toString('hex', 0, NODE_BYTES);
}
