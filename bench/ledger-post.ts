// npm run bench -- ledger-post [--seconds 20] [--clients 16,64] [--modes transaction,group] [--no-baseline]
//
// Entries per second posted by 16 and 64 concurrent clients, each posting one order after another
// (worker grant → one of 8 supplier escrows: a guarded debit and a credit to a hot unguarded
// account), in two modes:
//  - transaction: LedgerService.post, each entry in its own transaction via TransactionRunner —
//    the order path exactly as ordering uses it (one round trip: ledger_post_entry);
//  - group: GroupCommitPoster.post — concurrent postings share one transaction and one round trip
//    (ledger_post_entries), each caller still getting its own outcome after the commit.
// The sealer runs meanwhile, as in the worker, and the commit → sealed latency of a sample of
// entries is measured from the blocks' sealed_at. pgbench's TPC-B runs against the same server
// before and after; the table shows the ratio.
import { TransactionRunner } from '@huigong/common';
import { AccountType, GroupCommitPoster, LedgerSealer, LedgerService, LedgerVerifier, PostEntryInput } from '@huigong/ledger';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { args, Baseline, benchContext, percentile, pgbenchBaseline, table } from './_ledger-bench';

const RERUN = 'npm run bench -- ledger-post';

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  const seconds = Number(a.seconds ?? 20);
  const clientCounts = (a.clients ?? '16,64').split(',').map(Number);
  const baseline = a['no-baseline'] !== 'true';
  const modes = (a.modes ?? 'transaction,group').split(',') as ('transaction' | 'group')[];
  const { ctx } = await benchContext('huigong_bench_ledger', Math.max(...clientCounts) + 4);
  const ledger = ctx.get(LedgerService);
  const tx = ctx.get(TransactionRunner);
  const ds = ctx.get(DataSource);
  const sealer = ctx.get(LedgerSealer);
  const group = ctx.get(GroupCommitPoster);

  console.log(`ledger-post: ${seconds} s per run, clients ${clientCounts.join(', ')}${baseline ? ', pgbench baseline before and after' : ''}`);
  const before = baseline ? pgbenchBaseline(seconds, clientCounts) : [];

  // accounts: one funded worker grant per client, 8 supplier escrows
  const org = randomUUID();
  const maxClients = Math.max(...clientCounts);
  const [funding, ...escrows] = await tx.run((em) =>
    ledger.openAccounts(em, [
      { type: AccountType.UnionFunding, ownerType: 'bench', ownerId: 'funding', organizationId: org },
      ...Array.from({ length: 8 }, (_, i) => ({ type: AccountType.OrderEscrow, ownerType: 'bench-supplier', ownerId: `s${i}`, organizationId: org })),
    ]),
  );
  const grants = await tx.run((em) =>
    ledger.openAccounts(em, Array.from({ length: maxClients }, (_, i) => ({ type: AccountType.WorkerGrant, ownerType: 'bench-worker', ownerId: `w${i}`, organizationId: org }))),
  );
  await tx.run((em) =>
    ledger.postMany(em, grants.map((g) => ({ kind: 'distribute', idempotencyKey: `fund-${g.id}`, reference: 'bench:setup', actor: 'system', transfers: [{ debitAccountId: funding.id, creditAccountId: g.id, amount: 1_000_000_000 }] }))),
  );

  // the sealer, as the worker runs it
  let sealing = true;
  const sealLoop = (async () => {
    while (sealing) {
      const r = await sealer.sealPending().catch(() => ({ more: false }));
      if (!r.more) await new Promise((res) => setTimeout(res, 200));
    }
  })();

  const runs: { mode: string; clients: number; entries: number; eps: number; p50: number; p99: number; seal: number[] }[] = [];
  for (const mode of modes)
  for (const clients of clientCounts) {
    await ds.query('CHECKPOINT');
    const latencies: number[] = [];
    const committedAt = new Map<string, number>();
    let posted = 0;
    let failed = 0;
    const start = Date.now();
    const deadline = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; Date.now() < deadline; i++) {
          const t0 = performance.now();
          try {
            const input: PostEntryInput = {
              kind: 'order',
              idempotencyKey: `order-${mode}-${clients}-${c}-${i}`,
              reference: `order:${mode}-${clients}-${c}-${i}`,
              actor: 'bench',
              transfers: [{ debitAccountId: grants[c].id, creditAccountId: escrows[(c + i) % escrows.length].id, amount: 100 + (i % 900) }],
            };
            const e = mode === 'group' ? await group.post(input) : await tx.run((em) => ledger.post(em, input));
            latencies.push(performance.now() - t0);
            posted++;
            if (i % 25 === 0) committedAt.set(e.id, Date.now());
          } catch (err) {
            failed++;
            if (failed < 5) console.error(`post failed: ${(err as Error).message}`);
          }
        }
      }),
    );
    const elapsed = (Date.now() - start) / 1000;
    latencies.sort((x, y) => x - y);
    // commit → sealed, for the sampled entries, from the sealer's own timestamps
    const ids = [...committedAt.keys()];
    const deadlineSeal = Date.now() + 60_000;
    let sealed: { id: string; at: Date }[] = [];
    while (Date.now() < deadlineSeal) {
      sealed = await ds.query(
        `SELECT s.entry_id::text AS id, b.sealed_at AS at FROM ledger_entry_seals s JOIN ledger_blocks b ON b.height = s.block_height WHERE s.entry_id = ANY ($1::bigint[])`,
        [ids],
      );
      if (sealed.length === ids.length) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const seal = sealed.map((r) => new Date(r.at).getTime() - committedAt.get(r.id)!).sort((x, y) => x - y);
    runs.push({ mode, clients, entries: posted, eps: posted / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), seal });
    if (failed) console.error(`${failed} postings failed with ${clients} clients (${mode})`);
    console.log(`  ${mode}, ${clients} clients: ${(posted / elapsed).toFixed(0)} entries/s`);
  }
  sealing = false;
  await sealLoop;
  const verdict = await ctx.get(LedgerVerifier).verify({ record: false });
  await ctx.close(); // frees the pool's connections for pgbench's 64 clients (max_connections is 100)

  const after = baseline ? pgbenchBaseline(seconds, clientCounts) : [];
  const tps = (list: Baseline[], c: number) => list.find((b) => b.clients === c)?.tps ?? NaN;
  const rows = runs.map((r) => {
    const base = (tps(before, r.clients) + tps(after, r.clients)) / 2;
    return [
      r.mode,
      r.clients,
      r.entries,
      r.eps.toFixed(0),
      tps(before, r.clients).toFixed(0),
      tps(after, r.clients).toFixed(0),
      (r.eps / base).toFixed(2),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      percentile(r.seal, 50).toFixed(0),
      percentile(r.seal, 99).toFixed(0),
      (r.seal[r.seal.length - 1] ?? NaN).toFixed(0),
    ];
  });
  console.log('');
  console.log(table(['mode', 'clients', 'entries', 'entries/s', 'pgbench tps before', 'after', 'ratio', 'p50 ms', 'p99 ms', 'seal p50 ms', 'seal p99 ms', 'seal max ms'], rows));
  console.log('');
  console.log('transaction: LedgerService.post, one transaction per entry (the order path); group: GroupCommitPoster, concurrent entries share a transaction.');
  console.log(`ratio = entries/s ÷ mean pgbench TPC-B tps (before, after) at the same client count; seal = commit → sealed_at of every 25th entry.`);
  console.log(`verification after the run: ${verdict.ok ? 'ok' : `FAILED ${JSON.stringify(verdict.firstProblem)}`} (${verdict.entries} entries, ${verdict.blocks} blocks)`);
  console.log(`rerun: ${RERUN}${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`);
  console.log(
    JSON.stringify({
      bench: 'ledger-post',
      seconds,
      runs: runs.map((r) => ({
        mode: r.mode,
        clients: r.clients,
        entries: r.entries,
        entriesPerSecond: Math.round(r.eps),
        pgbenchTpsBefore: tps(before, r.clients),
        pgbenchTpsAfter: tps(after, r.clients),
        ratio: Number((r.eps / ((tps(before, r.clients) + tps(after, r.clients)) / 2)).toFixed(3)),
        latencyMs: { p50: Number(r.p50.toFixed(2)), p99: Number(r.p99.toFixed(2)) },
        sealLatencyMs: { p50: percentile(r.seal, 50), p99: percentile(r.seal, 99), max: r.seal[r.seal.length - 1] ?? null, samples: r.seal.length },
      })),
      verified: verdict.ok,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
