// npm run bench -- ledger-verify [--entries 1000000] [--reuse] [--seconds 10] [--no-baseline] [--db huigong_bench_ledger_verify]
//
// Entries per second verified by LedgerVerifier (what `npm run cli -- ledger:verify` and
// GET /api/v1/audit/ledger/verify run) over a ledger of one million entries. The entries are
// generated in bulk with INSERT ... SELECT generate_series (bypassing the service: 1.1 million
// transfers, every tenth entry with two), the cached totals set to match, then sealed by the real
// sealer into blocks of 10,000. Only verification is timed. pgbench's TPC-B runs before and after.
import { AccountType, LedgerSealer, LedgerService, LedgerVerifier } from '@huigong/ledger';
import { TransactionRunner } from '@huigong/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { args, Baseline, benchContext, pgbenchBaseline, table } from './_ledger-bench';

const RERUN = 'npm run bench -- ledger-verify';

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const target = Number(a.entries ?? 1_000_000);
  const seconds = Number(a.seconds ?? 10);
  const baseline = a['no-baseline'] !== 'true';
  const before = baseline ? pgbenchBaseline(seconds, [16, 64]) : [];

  const name = a.db ?? 'huigong_bench_ledger_verify';
  const { ctx } = await benchContext(name, 8, a.reuse === 'true');
  const ds = ctx.get(DataSource);
  const [{ n: existing }] = await ds.query(`SELECT count(*)::int AS n FROM ledger_entries`);
  let generateMs = 0;
  let sealMs = 0;
  if (existing < target) {
    console.log(`generating ${target} entries ...`);
    const t0 = Date.now();
    await generate(ctx.get(TransactionRunner), ctx.get(LedgerService), ds, target - existing);
    generateMs = Date.now() - t0;
    console.log(`  ${generateMs} ms; sealing ...`);
    const t1 = Date.now();
    const sealer = ctx.get(LedgerSealer);
    for (let r = await sealer.sealPending({ maxEntries: 100_000 }); r.entries > 0; r = await sealer.sealPending({ maxEntries: 100_000 })) process.stdout.write('.');
    sealMs = Date.now() - t1;
    console.log(`\n  ${sealMs} ms`);
  }
  await ds.query('VACUUM ANALYZE ledger_entries, ledger_transfers, ledger_entry_seals, ledger_blocks');

  const verifier = ctx.get(LedgerVerifier);
  const runs: { ms: number; entries: number; ok: boolean; blocks: number; accounts: number }[] = [];
  for (let i = 0; i < 2; i++) {
    const t0 = Date.now();
    const r = await verifier.verify({ record: false });
    const ms = Date.now() - t0;
    runs.push({ ms, entries: r.entries, ok: r.ok, blocks: r.blocks, accounts: r.accounts });
    console.log(`  verification ${i + 1}: ${r.entries} entries in ${ms} ms, ${r.ok ? 'ok' : `FAILED ${JSON.stringify(r.firstProblem)}`}`);
  }
  await ctx.close();
  const after = baseline ? pgbenchBaseline(seconds, [16, 64]) : [];

  const best = runs.reduce((x, y) => (y.ms < x.ms ? y : x));
  const eps = (best.entries / best.ms) * 1000;
  const tps = (list: Baseline[], c: number) => list.find((b) => b.clients === c)?.tps ?? NaN;
  console.log('');
  console.log(
    table(
      ['run', 'entries', 'blocks', 'accounts', 'ms', 'entries/s', 'ok'],
      runs.map((r, i) => [i + 1, r.entries, r.blocks, r.accounts, r.ms, ((r.entries / r.ms) * 1000).toFixed(0), String(r.ok)]),
    ),
  );
  console.log('');
  console.log(table(['pgbench clients', 'tps before', 'tps after'], [16, 64].map((c) => [c, tps(before, c).toFixed(0), tps(after, c).toFixed(0)])));
  console.log('');
  console.log(`best: ${eps.toFixed(0)} entries/s verified (target ≥ 100,000); generation ${generateMs} ms, sealing ${sealMs} ms (not timed in the figure)`);
  console.log(`rerun: ${RERUN}${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}   (add --reuse to keep the generated ledger)`);
  console.log(
    JSON.stringify({
      bench: 'ledger-verify',
      entries: best.entries,
      blocks: best.blocks,
      verifyMs: runs.map((r) => r.ms),
      entriesPerSecond: Math.round(eps),
      ok: runs.every((r) => r.ok),
      generateMs,
      sealMs,
      pgbench: { before, after },
    }),
  );
}

/** Bulk ledger of `count` entries that verifies: totals match, every guard holds. */
async function generate(tx: TransactionRunner, ledger: LedgerService, ds: DataSource, count: number): Promise<void> {
  const org = randomUUID();
  const tag = randomUUID().slice(0, 8);
  const accounts = await tx.run((em) =>
    ledger.openAccounts(em, [
      { type: AccountType.UnionFunding, ownerType: 'bench', ownerId: `funding-${tag}`, organizationId: org },
      { type: AccountType.SupplierPayable, ownerType: 'bench', ownerId: `payable-${tag}`, organizationId: org },
      ...Array.from({ length: 10 }, (_, i) => ({ type: AccountType.OrderEscrow, ownerType: 'bench', ownerId: `escrow-${tag}-${i}`, organizationId: org })),
    ]),
  );
  const [funding, payable, ...escrows] = accounts.map((x) => x.id);
  const chunk = 250_000;
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    await tx.run(async (em) => {
      await em.query(
        `WITH e AS (
           INSERT INTO ledger_entries (idempotency_key, kind, reference, actor, metadata, transfer_count, content_hash)
           SELECT 'bench-' || $1 || '-' || g, 'order', 'order:' || $1 || '-' || (g / 3), 'bench',
                  CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('line', g % 97, 'note', '中秋福利') END,
                  CASE WHEN g % 10 = 0 THEN 2 ELSE 1 END, 'bench'
             FROM generate_series($2::bigint, $3::bigint) AS g
           RETURNING id)
         INSERT INTO ledger_transfers (entry_id, debit_account_id, credit_account_id, amount, created_at)
         SELECT e.id, $4::bigint, ($5::bigint[])[1 + e.id % 10], 1 + e.id % 1000, now() FROM e
         UNION ALL
         SELECT e.id, $4::bigint, $6::bigint, 7, now() FROM e WHERE e.id % 10 = 0`,
        [tag, done + 1, done + n, funding, escrows, payable],
      );
    });
  }
  // cached totals of the unguarded accounts, as postings would have left them (in shard 0)
  await ds.query(
    `INSERT INTO ledger_account_totals AS s (account_id, shard, debits, credits)
     SELECT acct, 0, sum(d), sum(c) FROM (
       SELECT debit_account_id AS acct, amount AS d, 0 AS c FROM ledger_transfers WHERE debit_account_id = ANY ($1::bigint[])
       UNION ALL SELECT credit_account_id, 0, amount FROM ledger_transfers WHERE credit_account_id = ANY ($1::bigint[])) x
      GROUP BY acct
     ON CONFLICT (account_id, shard) DO UPDATE SET debits = excluded.debits + s.debits, credits = excluded.credits + s.credits`,
    [[funding, payable, ...escrows]],
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
