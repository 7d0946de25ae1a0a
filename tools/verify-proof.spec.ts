import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BlockHeader,
  CanonicalEntry,
  EntryProof,
  GENESIS_PREV_HASH,
  buildEntryProof,
  hashBlockHeader,
  hashEntry,
  merkleRoot,
} from '../libs/ledger/src/sealing';
import { main } from './verify-proof';

const repoRoot = resolve(__dirname, '..');

function entry(id: number): CanonicalEntry {
  return {
    id: String(id),
    kind: 'order',
    idempotencyKey: `order:${id}`,
    reference: `order:${id}`,
    actor: 'worker:1',
    createdAt: '2026-11-26T19:20:34.123456Z',
    metadata: {},
    transfers: [{ debitAccountId: '1', creditAccountId: '2', amount: String(id * 100) }],
  };
}

/** A proof for entry 2 in block 0 of a 3-block chain. */
function makeProof(): EntryProof {
  const headers: BlockHeader[] = [];
  const blockEntries = [[1, 2, 3], [4], [5, 6]].map((ids) => ids.map(entry));
  let prevHash = GENESIS_PREV_HASH;
  blockEntries.forEach((entries, height) => {
    const h: BlockHeader = {
      height,
      prevHash,
      merkleRoot: merkleRoot(entries.map(hashEntry)),
      entryCount: entries.length,
      firstEntryId: entries[0].id,
      lastEntryId: entries[entries.length - 1].id,
      sealedAt: '2026-11-26T19:21:00.000000Z',
    };
    prevHash = hashBlockHeader(h);
    headers.push(h);
  });
  return buildEntryProof({
    entry: blockEntries[0][1],
    blockEntryHashes: blockEntries[0].map(hashEntry),
    block: headers[0],
    chain: headers.slice(1),
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Run> {
  return new Promise((done, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'tools/verify-proof.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('verify-proof CLI', () => {
  let dir: string;
  let good: string;
  let bad: string;
  let notJson: string;
  const proof = makeProof();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verify-proof-'));
    good = join(dir, 'good.json');
    bad = join(dir, 'bad.json');
    notJson = join(dir, 'not.json');
    writeFileSync(good, JSON.stringify(proof, null, 2));
    const tampered = JSON.parse(JSON.stringify(proof)) as EntryProof;
    tampered.entry.transfers[0].amount = '1';
    writeFileSync(bad, JSON.stringify(tampered));
    writeFileSync(notJson, '{ not json');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('in process', () => {
    const call = (args: string[]): { code: number; out: string[]; err: string[] } => {
      const out: string[] = [];
      const err: string[] = [];
      const code = main(args, (l) => out.push(l), (l) => err.push(l));
      return { code, out, err };
    };

    it('exits 0 and names entry, block and head for a valid proof', () => {
      expect(call([good])).toEqual({
        code: 0,
        out: [`OK: entry 2 is in block 0, chained to head 2 ${proof.head.hash}`],
        err: [],
      });
    });

    it('exits 1 with the reason for a tampered proof', () => {
      expect(call([bad])).toEqual({ code: 1, out: ['FAILED: entry hash mismatch'], err: [] });
    });

    it.each<[string, () => string[]]>([
      ['no arguments', () => []],
      ['two arguments', () => [good, bad]],
      ['an option', () => ['--help']],
      ['a missing file', () => [join(dir, 'missing.json')]],
      ['a file that is not JSON', () => [notJson]],
    ])('exits 2 with usage for %s', (_label, args) => {
      const r = call(args());
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err.join('\n')).toContain('usage: verify-proof <proof.json>');
    });
  });

  describe('as a process', () => {
    it('exits 0 for a valid proof', async () => {
      const r = await runCli([good]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`OK: entry 2 is in block 0, chained to head 2 ${proof.head.hash}\n`);
      expect(r.code).toBe(0);
    }, 60_000);

    it('exits 1 for a tampered proof', async () => {
      const r = await runCli([bad]);
      expect(r.stdout).toBe('FAILED: entry hash mismatch\n');
      expect(r.code).toBe(1);
    }, 60_000);

    it('exits 2 for missing arguments or an unreadable file', async () => {
      const [none, missing] = await Promise.all([runCli([]), runCli([join(dir, 'missing.json')])]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('usage:');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('cannot read proof');
    }, 60_000);
  });
});
