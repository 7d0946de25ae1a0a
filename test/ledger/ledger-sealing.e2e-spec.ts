import { AccountType, EntryProof, hashBlockHeader, LedgerQueryService, LedgerSealer, LedgerVerifier, verifyEntryProof } from '@huigong/ledger';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { CliModule } from '../../apps/cli/src/cli.module';
import { ledgerVerify } from '../../apps/cli/src/ledger/ledger-commands';
import { bearer, eventually, startTestApp, startTestWorker, TestApp } from '../support/test-app';
import { checkEntryBatch, EntryRow, SealRow, TransferRow } from '../../libs/ledger/src/verify/entry-batch-check';
import { checkPackedRange, fetchPackedRange } from '../../libs/ledger/src/verify/packed-range';
import { ENTRY_RANGE_SQL, SEAL_RANGE_SQL, TRANSFER_RANGE_SQL } from '../../libs/ledger/src/verify/verify-range-sql';
import { LedgerFixture } from './ledger-fixtures';

const repoRoot = resolve(__dirname, '../..');

/** The standalone verifier, as an auditor runs it: its own process, no server, no database. */
function verifyProofFile(file: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', 'tools/verify-proof.ts', file], {
      cwd: repoRoot,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout }));
  });
}

describe('ledger sealing, proofs and verification (e2e)', () => {
  let t: TestApp;
  let f: LedgerFixture;
  let q: LedgerQueryService;
  let sealer: LedgerSealer;
  let verifier: LedgerVerifier;
  let tmp: string;

  beforeAll(async () => {
    t = await startTestApp();
    f = new LedgerFixture(t.app);
    q = t.app.get(LedgerQueryService);
    sealer = t.app.get(LedgerSealer);
    verifier = t.app.get(LedgerVerifier);
    tmp = mkdtempSync(join(tmpdir(), 'ledger-proof-'));
  });
  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
    await t.close();
  });

  /** Runs SQL as a superuser with triggers off: how someone would tamper around the append-only guard. */
  async function asSuperuserAroundTriggers(sql: string, params: unknown[] = []): Promise<void> {
    const c = new Client({ connectionString: t.config.databaseUrl });
    await c.connect();
    try {
      await c.query(`SET session_replication_role = replica`);
      await c.query(sql, params);
    } finally {
      await c.end();
    }
  }

  async function someEntries(n: number) {
    const { account } = await f.funded(AccountType.WorkerGrant, 100_000);
    const escrow = await f.open(AccountType.OrderEscrow);
    const out = [];
    for (let i = 0; i < n; i++) {
      out.push(await f.post({ kind: 'order', reference: `order:s${i}`, metadata: { line: i, note: '中秋福利' }, transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 100 + i }] }));
    }
    return { account, escrow, entries: out };
  }

  it('seals committed entries into hash-chained blocks, with the hash each entry was posted with', async () => {
    const { entries } = await someEntries(5);
    const sealed = await sealer.sealPending();
    expect(sealed.entries).toBeGreaterThanOrEqual(5);
    expect(sealed.more).toBe(false);
    expect(await sealer.sealPending()).toEqual({ blocks: 0, entries: 0, more: false });
    for (const e of entries) {
      const read = await q.entry(e.id);
      expect(read.seal).toEqual({ blockHeight: expect.any(Number), blockHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const [seal] = await t.dataSource.query(`SELECT entry_hash FROM ledger_entry_seals WHERE entry_id = $1`, [e.id]);
      expect(seal.entry_hash).toBe(e.hash);
    }
    const blocks = await t.dataSource.query(`SELECT height::int, prev_hash, hash FROM ledger_blocks ORDER BY height`);
    blocks.forEach((b: { height: number; prev_hash: string }, i: number) => {
      expect(b.height).toBe(i);
      expect(b.prev_hash).toBe(i === 0 ? '0'.repeat(64) : blocks[i - 1].hash);
    });
  });

  it('never skips an entry whose transaction commits after one with a higher id', async () => {
    const { account } = await f.funded(AccountType.WorkerGrant, 10_000);
    const { account: other } = await f.funded(AccountType.WorkerGrant, 10_000);
    const escrow = await f.open(AccountType.OrderEscrow);
    await sealer.sealPending();
    const slow = t.dataSource.createQueryRunner();
    try {
      await slow.startTransaction();
      const early = await f.ledger.post(slow.manager, f.entry({ transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 1 }] }));
      const late = await f.post({ transfers: [{ debitAccountId: other.id, creditAccountId: escrow.id, amount: 1 }] });
      expect(Number(early.id)).toBeLessThan(Number(late.id));
      expect((await sealer.sealPending()).entries).toBe(1);
      expect((await q.entry(late.id)).seal).not.toBeNull();
      await slow.commitTransaction();
      expect((await sealer.sealPending()).entries).toBe(1);
      const sealedEarly = await q.entry(early.id);
      expect(sealedEarly.seal!.blockHeight).toBeGreaterThan((await q.entry(late.id)).seal!.blockHeight);
    } finally {
      await slow.release();
    }
    expect((await verifier.verify({ record: false })).ok).toBe(true);
  });

  it('hands out an inclusion proof that the standalone verifier accepts, and rejects once altered', async () => {
    const { entries } = await someEntries(3);
    const target = entries[1];
    await expect(q.proof(target.id)).rejects.toMatchObject({ code: 'NOT_YET_SEALED', status: 409 });
    await sealer.sealPending();
    await someEntries(2); // later blocks: the proof carries the chain up to the head
    await sealer.sealPending();
    const proof = await q.proof(target.id);
    expect(proof).toMatchObject({ version: 1, entryHash: target.hash, entry: { id: target.id, kind: 'order' } });
    expect(proof.chain.length).toBeGreaterThan(0);
    expect(verifyEntryProof(proof)).toEqual({ ok: true });
    // through the API, as a worker's receipt would carry it
    const admin = await t.login('admin');
    const viaApi: EntryProof = (await t.http.get(`/api/v1/ledger/entries/${target.id}/proof`).set(bearer(admin)).expect(200)).body;
    expect(viaApi).toEqual(proof);
    const file = join(tmp, 'proof.json');
    writeFileSync(file, JSON.stringify(viaApi));
    const ok = await verifyProofFile(file);
    expect(ok).toEqual({ code: 0, stdout: `OK: entry ${target.id} is in block ${proof.block.height}, chained to head ${proof.head.height} ${proof.head.hash}\n` });
    writeFileSync(file, JSON.stringify({ ...viaApi, entry: { ...viaApi.entry, transfers: [{ ...viaApi.entry.transfers[0], amount: '1' }] } }));
    expect(await verifyProofFile(file)).toEqual({ code: 1, stdout: 'FAILED: entry hash mismatch\n' });
  });

  it('verifies an intact ledger, through the service, the CLI command and the audit API', async () => {
    await sealer.sealPending();
    await someEntries(3);
    const r = await verifier.verify();
    const [{ entries, accounts, sealed }] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM ledger_entries)::int AS entries, (SELECT count(*) FROM ledger_accounts)::int AS accounts, (SELECT count(*) FROM ledger_entry_seals)::int AS sealed`,
    );
    // the deposit and the three orders are not sealed yet: checked for balance, not for hashes
    expect(r).toMatchObject({ ok: true, unsealed: entries - sealed, head: { height: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(r.unsealed).toBe(4);
    expect(r.entries).toBe(entries);
    expect(r.accounts).toBe(accounts);
    expect(r.firstProblem).toBeUndefined();

    const lines: string[] = [];
    const cli = await NestFactory.createApplicationContext(CliModule.register(t.config), { logger: false });
    try {
      expect(await ledgerVerify(cli, (l) => lines.push(l))).toBe(0);
    } finally {
      await cli.close();
    }
    expect(lines[lines.length - 1]).toBe('OK: the ledger is intact');

    const auditor = await t.login('auditor');
    const api = await t.http.get('/api/v1/audit/ledger/verify').set(bearer(auditor)).expect(200);
    expect(api.body).toMatchObject({ ok: true, entries, accounts });
    const worker = await t.login('worker');
    await t.http.get('/api/v1/audit/ledger/verify').set(bearer(worker)).expect(403);
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', checks: { ledger: { ok: true } } });
  });

  describe('tamper evidence', () => {
    let cli: INestApplicationContext;
    beforeAll(async () => {
      cli = await NestFactory.createApplicationContext(CliModule.register(t.config), { logger: false });
    });
    afterAll(() => cli.close());

    async function cliVerify(): Promise<{ code: number; last: string }> {
      const lines: string[] = [];
      const code = await ledgerVerify(cli, (l) => lines.push(l));
      return { code, last: lines[lines.length - 1] };
    }

    it('names the entry whose transfer amount was changed around the triggers', async () => {
      const { entries } = await someEntries(3);
      await sealer.sealPending();
      const victim = entries[1];
      const transferId = victim.transfers[0].id;
      await asSuperuserAroundTriggers(`UPDATE ledger_transfers SET amount = amount + 1 WHERE id = $1`, [transferId]);
      const r = await verifier.verify();
      expect(r.ok).toBe(false);
      expect(r.firstProblem).toEqual({ kind: 'entry', id: victim.id, reason: expect.stringMatching(/hash does not match/) });
      expect(await cliVerify()).toEqual({ code: 1, last: `FAILED: entry ${victim.id}: ${r.firstProblem!.reason}` });
      const ready = await t.http.get('/health/ready').expect(200);
      expect(ready.body.status).toBe('degraded');
      expect(ready.body.checks.ledger).toMatchObject({ ok: true, degraded: true, detail: expect.stringContaining(`entry ${victim.id}`) });
      await expect(q.proof(victim.id)).rejects.toMatchObject({ code: 'LEDGER_INCONSISTENT' });

      await asSuperuserAroundTriggers(`UPDATE ledger_transfers SET amount = amount - 1 WHERE id = $1`, [transferId]);
      expect(await cliVerify()).toEqual({ code: 0, last: 'OK: the ledger is intact' });
      expect((await t.http.get('/health/ready').expect(200)).body.status).toBe('ok');
    });

    it('names an entry changed before it was sealed through its account totals, and a changed metadata after', async () => {
      const { entries, account } = await someEntries(2);
      await asSuperuserAroundTriggers(`UPDATE ledger_transfers SET amount = amount + 5 WHERE id = $1`, [entries[0].transfers[0].id]);
      const r = await verifier.verify({ record: false });
      // not sealed yet: no hash to compare, but the totals no longer add up
      expect(r.firstProblem).toEqual({ kind: 'account', id: account.id, reason: expect.stringMatching(/differ from the sum of its transfers/) });
      await asSuperuserAroundTriggers(`UPDATE ledger_transfers SET amount = amount - 5 WHERE id = $1`, [entries[0].transfers[0].id]);
      await sealer.sealPending();
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET metadata = '{"line": 99}' WHERE id = $1`, [entries[1].id]);
      expect((await verifier.verify({ record: false })).firstProblem).toMatchObject({ kind: 'entry', id: entries[1].id });
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET metadata = $2 WHERE id = $1`, [entries[1].id, JSON.stringify({ line: 1, note: '中秋福利' })]);
      expect((await verifier.verify({ record: false })).ok).toBe(true);
    });

    it('names the block whose header was changed, even with its hash recomputed to match, and a block missing an entry', async () => {
      await someEntries(2);
      await sealer.sealPending();
      const [b] = await t.dataSource.query(`SELECT height::text, merkle_root, hash FROM ledger_blocks ORDER BY height DESC OFFSET 1 LIMIT 1`);
      const [member] = await t.dataSource.query(`SELECT entry_id::text AS id FROM ledger_entry_seals WHERE block_height = $1 LIMIT 1`, [b.height]);
      const header = (await q.proof(member.id)).block;
      const forged = (b.merkle_root[0] === 'a' ? 'b' : 'a') + b.merkle_root.slice(1);
      await asSuperuserAroundTriggers(`UPDATE ledger_blocks SET merkle_root = $2 WHERE height = $1`, [b.height, forged]);
      let r = await verifier.verify({ record: false });
      expect(r.firstProblem).toEqual({ kind: 'block', id: b.height, reason: expect.any(String) });
      expect(await cliVerify()).toMatchObject({ code: 1, last: expect.stringMatching(new RegExp(`^FAILED: block ${b.height}: `)) });
      // forge the root and recompute the block's own hash: the root no longer matches the entries
      const forgedHash = hashBlockHeader({ ...header, merkleRoot: forged });
      await asSuperuserAroundTriggers(`UPDATE ledger_blocks SET merkle_root = $2, hash = $3 WHERE height = $1`, [b.height, forged, forgedHash]);
      expect(await t.dataSource.query(`SELECT hash FROM ledger_blocks WHERE height = $1`, [b.height])).toEqual([{ hash: forgedHash }]);
      r = await verifier.verify({ record: false });
      expect(r.firstProblem).toEqual({ kind: 'block', id: b.height, reason: 'Merkle root does not match the entries of the block' });
      await asSuperuserAroundTriggers(`UPDATE ledger_blocks SET merkle_root = $2, hash = $3 WHERE height = $1`, [b.height, b.merkle_root, b.hash]);
      expect((await verifier.verify({ record: false })).ok).toBe(true);
      // dropping a seal row: the block no longer holds what its header says
      const [seal] = await t.dataSource.query(`SELECT entry_id::text, block_height::text, leaf_index, entry_hash FROM ledger_entry_seals WHERE block_height = $1 LIMIT 1`, [b.height]);
      await asSuperuserAroundTriggers(`DELETE FROM ledger_entry_seals WHERE entry_id = $1`, [seal.entry_id]);
      r = await verifier.verify({ record: false });
      expect(r.firstProblem).toMatchObject({ kind: 'block', id: b.height });
      await asSuperuserAroundTriggers(`INSERT INTO ledger_entry_seals (entry_id, block_height, leaf_index, entry_hash) VALUES ($1, $2, $3, $4)`, [seal.entry_id, seal.block_height, seal.leaf_index, seal.entry_hash]);
      expect((await verifier.verify({ record: false })).ok).toBe(true);
    });

    it('pinpoints the same tampering with worker threads over many small ranges as in one thread', async () => {
      const { entries } = await someEntries(12);
      await sealer.sealPending();
      const threaded = { record: false, threads: 2, parallelFrom: 0, batchSize: 3 };
      const clean = await verifier.verify(threaded);
      expect(clean).toMatchObject({ ok: true, unsealed: 0 });
      const single = await verifier.verify({ record: false, threads: 1 });
      expect({ entries: clean.entries, blocks: clean.blocks, head: clean.head }).toEqual({ entries: single.entries, blocks: single.blocks, head: single.head });
      // two entries changed, in ranges of different workers: the lower id is named, as in one thread
      const [first, second] = [entries[4], entries[9]];
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET metadata = '{"line": 98}' WHERE id = $1`, [second.id]);
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET reference = 'order:forged' WHERE id = $1`, [first.id]);
      const r = await verifier.verify(threaded);
      expect(r.firstProblem).toEqual({ kind: 'entry', id: first.id, reason: expect.stringMatching(/hash does not match/) });
      expect((await verifier.verify({ record: false, threads: 1 })).firstProblem).toEqual(r.firstProblem);
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET reference = 'order:s4' WHERE id = $1`, [first.id]);
      expect((await verifier.verify(threaded)).firstProblem).toMatchObject({ kind: 'entry', id: second.id });
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET metadata = $2 WHERE id = $1`, [second.id, JSON.stringify({ line: 9, note: '中秋福利' })]);
      expect((await verifier.verify(threaded)).ok).toBe(true);
    });

    it('reads text holding tabs, newlines, backslashes and a literal \\N exactly through the COPY fast path', async () => {
      const { account } = await f.funded(AccountType.WorkerGrant, 100_000);
      const escrow = await f.open(AccountType.OrderEscrow);
      const odd = ['a\tb', 'line\nbreak\r', '\\N', 'back\\slash', '\b\f\u000b', 'x\u0001y', '"quoted"', '', '中秋 😀'];
      const posted = [];
      for (const [i, v] of odd.entries()) {
        posted.push(
          await f.post({ kind: `odd${v}`, reference: `order:${v}`, ...(i % 2 && v ? { actor: v } : {}), ...(i % 3 ? { metadata: { [`k${v}`]: v, z: [i, v], a: { n: -i } } } : {}), transfers: [{ debitAccountId: account.id, creditAccountId: escrow.id, amount: 1 + i }] }),
        );
      }
      await sealer.sealPending();
      const c = new Client({ connectionString: t.config.databaseUrl });
      await c.connect();
      try {
        const [lo, hi] = [BigInt(posted[0].id), BigInt(posted[posted.length - 1].id) + 1n];
        const fast = checkPackedRange(await fetchPackedRange(c, lo, hi));
        const values = [lo.toString(), hi.toString()];
        const rows = await Promise.all([ENTRY_RANGE_SQL, SEAL_RANGE_SQL, TRANSFER_RANGE_SQL].map((text) => c.query({ text, values, rowMode: 'array' })));
        // the fast path took the range (no fallback to rows) and found what the row path finds: nothing wrong
        expect(fast).not.toBeNull();
        expect(fast).toEqual(checkEntryBatch(rows[0].rows as EntryRow[], rows[1].rows as SealRow[], rows[2].rows as TransferRow[]));
        expect([fast?.entries, fast?.unsealed, fast?.problem]).toEqual([odd.length, 0, undefined]);
      } finally {
        await c.end();
      }
      expect((await verifier.verify({ record: false, threads: 2, parallelFrom: 0, batchSize: 4 })).ok).toBe(true);
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET reference = 'order:\\n' WHERE id = $1`, [posted[1].id]);
      expect((await verifier.verify({ record: false, threads: 2, parallelFrom: 0, batchSize: 4 })).firstProblem).toEqual({ kind: 'entry', id: posted[1].id, reason: expect.stringMatching(/hash does not match/) });
      await asSuperuserAroundTriggers(`UPDATE ledger_entries SET reference = $2 WHERE id = $1`, [posted[1].id, `order:${odd[1]}`]);
      expect((await verifier.verify({ record: false })).ok).toBe(true);
    });

    it('names a seal whose entry does not exist, beyond the last entry too', async () => {
      await someEntries(2);
      await sealer.sealPending();
      const [b] = await t.dataSource.query(`SELECT height::text FROM ledger_blocks ORDER BY height DESC LIMIT 1`);
      const [{ id }] = await t.dataSource.query(`SELECT (max(id) + 1000)::text AS id FROM ledger_entries`);
      await asSuperuserAroundTriggers(`INSERT INTO ledger_entry_seals (entry_id, block_height, leaf_index, entry_hash) VALUES ($1, $2, 999999, $3)`, [id, b.height, 'a'.repeat(64)]);
      expect((await verifier.verify({ record: false })).firstProblem).toEqual({ kind: 'entry', id, reason: 'sealed, but the entry does not exist' });
      await asSuperuserAroundTriggers(`DELETE FROM ledger_entry_seals WHERE entry_id = $1`, [id]);
      expect((await verifier.verify({ record: false })).ok).toBe(true);
    });

    it('names the account whose cached totals were changed, on the row or in a shard', async () => {
      const { account, escrow } = await someEntries(2);
      await t.dataSource.query(`UPDATE ledger_accounts SET credits_posted = credits_posted + 7 WHERE id = $1`, [account.id]);
      expect((await verifier.verify({ record: false })).firstProblem).toEqual({ kind: 'account', id: account.id, reason: expect.stringMatching(/cached totals/) });
      await t.dataSource.query(`UPDATE ledger_accounts SET credits_posted = credits_posted - 7 WHERE id = $1`, [account.id]);
      await t.dataSource.query(`UPDATE ledger_account_totals SET credits = credits + 3 WHERE account_id = $1 AND shard = (SELECT min(shard) FROM ledger_account_totals WHERE account_id = $1)`, [escrow.id]);
      expect((await verifier.verify({ record: false })).firstProblem).toMatchObject({ kind: 'account', id: escrow.id });
      await t.dataSource.query(`UPDATE ledger_account_totals SET credits = credits - 3 WHERE account_id = $1 AND shard = (SELECT min(shard) FROM ledger_account_totals WHERE account_id = $1)`, [escrow.id]);
      expect((await verifier.verify()).ok).toBe(true);
    });
  });

  it('seals in the worker shortly after commit, without anyone asking', async () => {
    const worker = await startTestWorker(t.config);
    try {
      const { entries } = await someEntries(5);
      await eventually(async () => (await Promise.all(entries.map((e) => q.entry(e.id)))).every((e) => e.seal), 20_000, 'the worker to seal the entries');
      const [{ unsealed }] = await t.dataSource.query(`SELECT count(*)::int AS unsealed FROM ledger_entries e WHERE NOT EXISTS (SELECT 1 FROM ledger_entry_seals s WHERE s.entry_id = e.id)`);
      expect(unsealed).toBe(0);
    } finally {
      await worker.close();
    }
    expect((await verifier.verify({ record: false })).ok).toBe(true);
  });
});
