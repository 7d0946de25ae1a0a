import { createHash } from 'node:crypto';
import {
  buildMerkleTree,
  inclusionProof,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  verifyInclusion,
} from './merkle';

// Straightforward transcription of RFC 6962 §2.1, used as the reference.
const sha = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const largestPow2Below = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function refMth(d: Buffer[]): Buffer {
  if (d.length === 1) return sha(Buffer.from([0]), d[0]);
  const k = largestPow2Below(d.length);
  return sha(Buffer.from([1]), refMth(d.slice(0, k)), refMth(d.slice(k)));
}
function refPath(m: number, d: Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  const k = largestPow2Below(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}

const leaves = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => createHash('sha256').update(`entry-${i}`).digest('hex'));
const flip = (hex: string): string => (hex[0] === '0' ? '1' : '0') + hex.slice(1);

describe('merkle', () => {
  it('hashes leaves and nodes with RFC 6962 prefixes', () => {
    const [a, b] = leaves(2);
    expect(merkleLeafHash(a)).toBe(sha(Buffer.from([0]), Buffer.from(a, 'hex')).toString('hex'));
    expect(merkleNodeHash(a, b)).toBe(sha(Buffer.from([1]), Buffer.from(a, 'hex'), Buffer.from(b, 'hex')).toString('hex'));
    expect(merkleRoot([a])).toBe(merkleLeafHash(a));
    expect(merkleRoot([a, b])).toBe(merkleNodeHash(merkleLeafHash(a), merkleLeafHash(b)));
  });

  it('throws on an empty list and on malformed leaves', () => {
    expect(() => merkleRoot([])).toThrow(/empty/);
    expect(() => merkleRoot(['abc'])).toThrow(/leaf 0/);
    expect(() => merkleRoot([leaves(1)[0], 'zz'.repeat(32)])).toThrow(/leaf 1/);
    expect(() => inclusionProof(leaves(3), 3)).toThrow(RangeError);
    expect(() => inclusionProof(leaves(3), -1)).toThrow(RangeError);
  });

  it('treats hex case as irrelevant (only the bytes are hashed) and outputs lowercase', () => {
    const l = leaves(5);
    expect(merkleRoot(l.map((h) => h.toUpperCase()))).toBe(merkleRoot(l));
    expect(merkleRoot(l)).toMatch(/^[0-9a-f]{64}$/);
  });

  for (let n = 1; n <= 33; n++) {
    it(`matches the recursive RFC 6962 definition for ${n} leaves`, () => {
      const l = leaves(n);
      const bufs = l.map((h) => Buffer.from(h, 'hex'));
      const root = refMth(bufs).toString('hex');
      expect(merkleRoot(l)).toBe(root);
      const tree = buildMerkleTree(l);
      expect(tree.root).toBe(root);
      expect(tree.size).toBe(n);

      for (let i = 0; i < n; i++) {
        const path = inclusionProof(l, i);
        expect(path).toEqual(refPath(i, bufs).map((b) => b.toString('hex')));
        expect(tree.proof(i)).toEqual(path);
        expect(verifyInclusion(l[i], i, n, path, root)).toBe(true);

        // Altered leaf, root, index.
        expect(verifyInclusion(flip(l[i]), i, n, path, root)).toBe(false);
        expect(verifyInclusion(l[(i + 1) % n], i, n, path, root)).toBe(n === 1 ? true : false);
        expect(verifyInclusion(l[i], i, n, path, flip(root))).toBe(false);
        for (let j = 0; j < n; j++) {
          if (j !== i) expect(verifyInclusion(l[i], j, n, path, root)).toBe(false);
        }
        expect(verifyInclusion(l[i], n, n, path, root)).toBe(false);
        expect(verifyInclusion(l[i], -1, n, path, root)).toBe(false);
        expect(verifyInclusion(l[i], i + 0.5, n, path, root)).toBe(false);
        // Altered path: each element flipped, one dropped, one added, order swapped.
        for (let k = 0; k < path.length; k++) {
          const bad = [...path];
          bad[k] = flip(bad[k]);
          expect(verifyInclusion(l[i], i, n, bad, root)).toBe(false);
        }
        if (path.length > 0) {
          expect(verifyInclusion(l[i], i, n, path.slice(0, -1), root)).toBe(false);
        }
        expect(verifyInclusion(l[i], i, n, [...path, root], root)).toBe(false);
        if (path.length > 1) {
          expect(verifyInclusion(l[i], i, n, [path[1], path[0], ...path.slice(2)], root)).toBe(false);
        }
      }
    });
  }

  it('never throws on malformed verification input', () => {
    const l = leaves(4);
    const root = merkleRoot(l);
    const path = inclusionProof(l, 2);
    expect(verifyInclusion('xyz', 2, 4, path, root)).toBe(false);
    expect(verifyInclusion(l[2], 2, 4, path, 'nothex')).toBe(false);
    expect(verifyInclusion(l[2], 2, 4, [path[0], 'g'.repeat(64)], root)).toBe(false);
    expect(verifyInclusion(l[2], 2, 4, null as unknown as string[], root)).toBe(false);
    expect(verifyInclusion(l[2], 2, 0, [], root)).toBe(false);
    expect(verifyInclusion(l[2], Number.NaN, 4, path, root)).toBe(false);
  });

  it('builds a root over 1,000,000 leaves (smoke test, no timing assertion)', () => {
    const n = 1_000_000;
    const seed = createHash('sha256').update('seed').digest('hex').slice(0, 56);
    const l = Array.from({ length: n }, (_, i) => seed + i.toString(16).padStart(8, '0'));
    const root = merkleRoot(l);
    expect(root).toMatch(/^[0-9a-f]{64}$/);
    const tree = buildMerkleTree(l.slice(0, 1000));
    expect(verifyInclusion(l[777], 777, 1000, tree.proof(777), tree.root)).toBe(true);
  }, 60_000);
});
