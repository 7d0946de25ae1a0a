import {
  BlockHeader,
  CanonicalEntry,
  GENESIS_PREV_HASH,
  hashBlockHeader,
  hashEntry,
} from './canonical-encoding';
import { merkleRoot } from './merkle';
import { EntryProof, buildEntryProof, verifyEntryProof } from './proof';

interface Block {
  header: BlockHeader;
  entries: CanonicalEntry[];
}

function makeEntry(id: number): CanonicalEntry {
  return {
    id: String(id),
    kind: id % 2 === 0 ? 'order' : 'distribute',
    idempotencyKey: `key-${id}`,
    reference: id % 3 === 0 ? null : `ref-${id}`,
    actor: 'union-admin:3',
    createdAt: `2026-11-26T19:20:${String(id).padStart(2, '0')}.${String(id * 1000 + 7).padStart(6, '0')}Z`,
    metadata: { campaign: 5, tags: ['a', 'b'] },
    transfers: [{ debitAccountId: String(100 + id), creditAccountId: '200', amount: String(id * 125) }],
  };
}

/** Three blocks of 5, 3 and 7 entries, hash-chained from genesis. */
function makeChain(): Block[] {
  const sizes = [5, 3, 7];
  const blocks: Block[] = [];
  let nextId = 1;
  let prevHash = GENESIS_PREV_HASH;
  sizes.forEach((size, height) => {
    const entries = Array.from({ length: size }, () => makeEntry(nextId++));
    const header: BlockHeader = {
      height,
      prevHash,
      merkleRoot: merkleRoot(entries.map(hashEntry)),
      entryCount: size,
      firstEntryId: entries[0].id,
      lastEntryId: entries[size - 1].id,
      sealedAt: `2026-11-26T19:30:0${height}.000000Z`,
    };
    prevHash = hashBlockHeader(header);
    blocks.push({ header, entries });
  });
  return blocks;
}

const blocks = makeChain();
const headHash = hashBlockHeader(blocks[2].header);

function proofFor(blockIndex: number, entryIndex: number): EntryProof {
  const b = blocks[blockIndex];
  return buildEntryProof({
    entry: b.entries[entryIndex],
    blockEntryHashes: b.entries.map(hashEntry),
    block: b.header,
    chain: blocks.slice(blockIndex + 1).map((x) => x.header),
  });
}

/** Deep copy through JSON, as a proof travels. */
const copy = (p: EntryProof): EntryProof => JSON.parse(JSON.stringify(p)) as EntryProof;

/** What a forger with write access would do: rehash everything downstream of an edit. */
function rechain(p: EntryProof): EntryProof {
  p.entryHash = hashEntry(p.entry);
  const b = blocks.find((x) => x.header.height === p.block.height)!;
  const hashes = b.entries.map(hashEntry);
  hashes[p.leafIndex] = p.entryHash;
  p.block.merkleRoot = merkleRoot(hashes);
  p.blockHash = hashBlockHeader(p.block);
  let prev = p.blockHash;
  for (const h of p.chain) {
    h.prevHash = prev;
    prev = hashBlockHeader(h);
  }
  p.head.hash = prev;
  return p;
}

function expectFailure(p: EntryProof, reason: string | RegExp): void {
  const v = verifyEntryProof(p);
  expect(v.ok).toBe(false);
  if (!v.ok) {
    if (typeof reason === 'string') expect(v.reason).toBe(reason);
    else expect(v.reason).toMatch(reason);
  }
}

describe('entry proofs', () => {
  it('verifies every entry of a 3-block chain against the head', () => {
    blocks.forEach((b, bi) => {
      b.entries.forEach((e, ei) => {
        const p = proofFor(bi, ei);
        expect(verifyEntryProof(p)).toEqual({ ok: true });
        expect(verifyEntryProof(copy(p))).toEqual({ ok: true });
        expect(p.head).toEqual({ height: 2, hash: headHash });
        expect(p.chain).toHaveLength(2 - bi);
        expect(p.leafIndex).toBe(ei);
        expect(p.entryHash).toBe(hashEntry(e));
      });
    });
  });

  describe('detects tampering', () => {
    const base = (): EntryProof => copy(proofFor(0, 2));

    it.each<[string, (p: EntryProof) => void, string | RegExp]>([
      ['amount', (p) => (p.entry.transfers[0].amount = '999999'), 'entry hash mismatch'],
      ['debit account', (p) => (p.entry.transfers[0].debitAccountId = '1'), 'entry hash mismatch'],
      ['createdAt', (p) => (p.entry.createdAt = '2026-11-26T19:20:03.003008Z'), 'entry hash mismatch'],
      ['metadata', (p) => (p.entry.metadata = { campaign: 6, tags: ['a', 'b'] }), 'entry hash mismatch'],
      ['entryHash', (p) => (p.entryHash = 'f'.repeat(64)), 'entry hash mismatch'],
      [
        'entry with a matching entryHash',
        (p) => {
          p.entry.transfers[0].amount = '1';
          p.entryHash = hashEntry(p.entry);
        },
        'merkle path does not lead to block root',
      ],
      ['an audit path element', (p) => (p.auditPath[1] = 'a'.repeat(64)), 'merkle path does not lead to block root'],
      ['a dropped audit path element', (p) => p.auditPath.pop(), 'merkle path does not lead to block root'],
      ['leafIndex', (p) => (p.leafIndex = 3), 'merkle path does not lead to block root'],
      ['leafIndex beyond the block', (p) => (p.leafIndex = 5), 'leaf index 5 out of range for block of 5 entries'],
      ['leafIndex 0', (p) => (p.leafIndex = 0), "entry is at leaf 0 but is not the block's firstEntryId"],
      ['leafIndex of the last leaf', (p) => (p.leafIndex = 4), "entry is the last leaf but is not the block's lastEntryId"],
      ['block merkleRoot', (p) => (p.block.merkleRoot = 'b'.repeat(64)), 'merkle path does not lead to block root'],
      ['block entryCount (smaller)', (p) => (p.block.entryCount = 4), 'merkle path does not lead to block root'],
      // A path can also fit a bigger tree (its last sibling read as a larger subtree); the header hash catches that.
      ['block entryCount (larger)', (p) => (p.block.entryCount = 6), 'block hash mismatch'],
      ['block sealedAt', (p) => (p.block.sealedAt = '2026-11-26T19:30:00.000001Z'), 'block hash mismatch'],
      ['block lastEntryId', (p) => (p.block.lastEntryId = '6'), 'block hash mismatch'],
      ['blockHash', (p) => (p.blockHash = 'c'.repeat(64)), 'block hash mismatch'],
      ['chain[0].prevHash', (p) => (p.chain[0].prevHash = 'd'.repeat(64)), /^chain broken at height 1: prevHash/],
      ['chain[0] contents', (p) => (p.chain[0].merkleRoot = 'd'.repeat(64)), /^chain broken at height 2: prevHash/],
      ['chain[0].height', (p) => (p.chain[0].height = 5), 'chain broken at height 1: chain[0] has height 5'],
      ['a dropped middle header', (p) => p.chain.shift(), 'chain broken at height 1: chain[0] has height 2'],
      ['a dropped last header', (p) => p.chain.pop(), 'head height mismatch: chain ends at height 1, head claims 2'],
      ['the last header', (p) => (p.chain[1].sealedAt = '2026-11-26T19:30:09.000000Z'), 'head hash mismatch at height 2'],
      ['head.hash', (p) => (p.head.hash = 'e'.repeat(64)), 'head hash mismatch at height 2'],
      ['head.height', (p) => (p.head.height = 3), 'head height mismatch: chain ends at height 2, head claims 3'],
      ['version', (p) => ((p as { version: number }).version = 2), 'unsupported proof version 2'],
      ['createdAt format', (p) => (p.entry.createdAt = '2026-11-26T19:20:03Z'), /^malformed proof: entry\.createdAt/],
      ['a float in metadata', (p) => (p.entry.metadata = { x: 0.5 }), /^malformed proof: \$\.metadata\.x/],
      ['an uppercase audit path', (p) => (p.auditPath[0] = p.auditPath[0].toUpperCase()), /^malformed proof: auditPath/],
      ['a missing chain', (p) => delete (p as Partial<EntryProof>).chain, 'malformed proof: chain is not an array'],
      ['a malformed chain header', (p) => (p.chain[1].prevHash = 'xyz'), /^malformed proof: chain\[1\]: block\.prevHash/],
      ['a missing head', (p) => delete (p as Partial<EntryProof>).head, 'malformed proof: head must be { height, hash }'],
      ['a string leafIndex', (p) => ((p as unknown as { leafIndex: string }).leafIndex = '2'), /^malformed proof: leafIndex/],
    ])('%s', (_label, tamper, reason) => {
      const p = base();
      expect(verifyEntryProof(p)).toEqual({ ok: true });
      tamper(p);
      expectFailure(p, reason);
    });

    it('rejects non-objects', () => {
      expectFailure(null as unknown as EntryProof, 'malformed proof: not an object');
      expectFailure([] as unknown as EntryProof, 'malformed proof: not an object');
    });

    it('a full rewrite verifies only against a different head, which is what the auditor compares', () => {
      const p = base();
      p.entry.transfers[0].amount = '1';
      rechain(p);
      expect(verifyEntryProof(p)).toEqual({ ok: true });
      expect(p.head.hash).not.toBe(headHash);
    });

    it('enforces the genesis prevHash exactly at height 0', () => {
      const p = base();
      p.block.prevHash = 'a'.repeat(64);
      rechain(p);
      expectFailure(p, 'block at height 0 does not have the genesis prevHash');

      const q = copy(proofFor(2, 1));
      q.block.prevHash = GENESIS_PREV_HASH;
      rechain(q);
      expectFailure(q, 'block at height 2 has the genesis prevHash');
    });
  });

  describe('buildEntryProof', () => {
    const b = blocks[1];
    const hashes = b.entries.map(hashEntry);

    it('refuses an entry that is not in the block', () => {
      expect(() =>
        buildEntryProof({ entry: makeEntry(99), blockEntryHashes: hashes, block: b.header, chain: [] }),
      ).toThrow(/not among/);
    });

    it('refuses a header whose root or count does not match the entries', () => {
      expect(() =>
        buildEntryProof({ entry: b.entries[0], blockEntryHashes: hashes, block: { ...b.header, merkleRoot: 'a'.repeat(64) }, chain: [] }),
      ).toThrow(/merkleRoot/);
      expect(() =>
        buildEntryProof({ entry: b.entries[0], blockEntryHashes: hashes.slice(0, 2), block: b.header, chain: [] }),
      ).toThrow(/entryCount/);
    });

    it('refuses a chain with a gap', () => {
      expect(() =>
        buildEntryProof({ entry: blocks[0].entries[0], blockEntryHashes: blocks[0].entries.map(hashEntry), block: blocks[0].header, chain: [blocks[2].header] }),
      ).toThrow(/chain broken at height 1/);
    });

    it('uses the block itself as head when it is the last block', () => {
      const p = proofFor(2, 6);
      expect(p.chain).toEqual([]);
      expect(p.head).toEqual({ height: 2, hash: p.blockHash });
    });
  });
});

// Keeps libs/ledger/SEALING.md honest: these are the values of its worked example.
describe('SEALING.md worked example', () => {
  const e1: CanonicalEntry = {
    id: '1', kind: 'deposit', idempotencyKey: 'deposit:union-7:2026-11', reference: 'deposit:31',
    actor: 'platform-admin:1', createdAt: '2026-11-26T19:20:34.123456Z', metadata: { unionId: 7 },
    transfers: [{ debitAccountId: '1', creditAccountId: '2', amount: '5000000' }],
  };
  const e2: CanonicalEntry = {
    id: '2', kind: 'reserve', idempotencyKey: 'reserve:campaign-3', reference: 'campaign:3',
    actor: 'union-admin:12', createdAt: '2026-11-26T19:21:02.000001Z', metadata: { campaignId: 3, note: '中秋福利' },
    transfers: [{ debitAccountId: '2', creditAccountId: '3', amount: '2000000' }],
  };
  const e3: CanonicalEntry = {
    id: '3', kind: 'order', idempotencyKey: 'order:9001', reference: 'order:9001',
    actor: 'worker:88', createdAt: '2026-11-26T19:25:40.654321Z', metadata: null,
    transfers: [
      { debitAccountId: '40', creditAccountId: '50', amount: '1250' },
      { debitAccountId: '41', creditAccountId: '50', amount: '350' },
    ],
  };
  const e4: CanonicalEntry = {
    id: '4', kind: 'complete', idempotencyKey: 'complete:9001', reference: 'order:9001',
    actor: null, createdAt: '2026-11-27T08:00:00.000000Z', metadata: {},
    transfers: [{ debitAccountId: '50', creditAccountId: '60', amount: '1600' }],
  };

  it('produces the documented hashes and proof', () => {
    const hashes = [e1, e2, e3].map(hashEntry);
    expect(hashes).toEqual([
      '0432eeb4922b67df53a92221279c95be56b430c43a43f54e0ca9acd7bf9511ae',
      '6c45217725a88c600866e6c5d5f98fc398a522eecbcb0699e5a5d9fbc8e6f3d8',
      '86f10c2e2beb2976eeb2f0e734800c5317ca302de4260f516a2e7211463c759b',
    ]);
    const b0: BlockHeader = {
      height: 0, prevHash: GENESIS_PREV_HASH, merkleRoot: merkleRoot(hashes), entryCount: 3,
      firstEntryId: '1', lastEntryId: '3', sealedAt: '2026-11-26T19:25:41.000123Z',
    };
    expect(b0.merkleRoot).toBe('543471274606edefefe37b1a7a9a6b4ae50a248c386e045e4bc2ef374816331e');
    expect(hashBlockHeader(b0)).toBe('934d359fbc2e38ddd28e36c6a1e370e3ea9931dc0d7d19baf7e120a63f82e311');
    expect(hashEntry(e4)).toBe('9fb1d4a553c51e9b457d6ebeeef3e44f6bde4102738549df9d1fb7ee97792aa0');
    const b1: BlockHeader = {
      height: 1, prevHash: hashBlockHeader(b0), merkleRoot: merkleRoot([hashEntry(e4)]), entryCount: 1,
      firstEntryId: '4', lastEntryId: '4', sealedAt: '2026-11-27T08:00:01.500000Z',
    };
    expect(b1.merkleRoot).toBe('ee17d3dda179e9a6b941981ab6098b2180c7d4d4f4535d3ab54eb3e8d91b03e5');
    const p = buildEntryProof({ entry: e2, blockEntryHashes: hashes, block: b0, chain: [b1] });
    expect(p.auditPath).toEqual([
      '0dedd7b20e20340abe98d80de44058a14b5b11ff98991f18ae80fc36b7959e29',
      '4913838eceeba93a1b387ed4b6abe100cc7fedbe6b8d2666eb5a054ee1ecf459',
    ]);
    expect(p.head).toEqual({ height: 1, hash: 'b8356376cb3d31e5890a5e81f3042dc5114fbd5db82798b6cef861de900e7cad' });
  });
});
