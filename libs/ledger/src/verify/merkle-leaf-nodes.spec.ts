import fc from 'fast-check';
import { merkleLeafHash, merkleRoot } from '../sealing';
import { leafNodeInto, NODE_BYTES, rootOfLeafNodes } from './merkle-leaf-nodes';

describe('merkle leaf nodes', () => {
  it('give merkleRoot and merkleLeafHash exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 70 }), (raw) => {
        const hexes = raw.map((b) => Buffer.from(b).toString('hex'));
        const leaves = Buffer.alloc(hexes.length * NODE_BYTES);
        hexes.forEach((h, i) => expect(leafNodeInto(i % 2 ? h.toUpperCase() : h, leaves, i * NODE_BYTES)).toBe(true));
        expect(leaves.toString('hex', 0, NODE_BYTES)).toBe(merkleLeafHash(hexes[0]));
        expect(rootOfLeafNodes(leaves, hexes.length)).toBe(merkleRoot(hexes));
      }),
      { numRuns: 300 },
    );
  });

  it('refuse what is not a 64-digit hex hash', () => {
    const out = Buffer.alloc(NODE_BYTES, 7);
    for (const bad of ['', 'ab', 'g'.repeat(64), 'a'.repeat(63) + 'x', 'a'.repeat(66)]) {
      expect(leafNodeInto(bad, out, 0)).toBe(false);
      expect(out.equals(Buffer.alloc(NODE_BYTES))).toBe(true);
    }
  });
});
