import { LedgerSealer, LedgerVerifier } from '@huigong/ledger';
import { INestApplicationContext } from '@nestjs/common';

/**
 * `ledger:verify`: recomputes every entry hash, Merkle root and chain link, checks every entry
 * balances, every account's cached totals and the zero sum. Exit 0 when intact, 1 naming the first
 * entry, block or account that is wrong.
 */
export async function ledgerVerify(ctx: INestApplicationContext, out: (line: string) => void = console.log): Promise<number> {
  let last = 0;
  const r = await ctx.get(LedgerVerifier).verify({
    onProgress: (n) => {
      if (n - last >= 200_000) {
        last = n;
        out(`  ... ${n} entries`);
      }
    },
  });
  const rate = r.durationMs > 0 ? Math.round((r.entries / r.durationMs) * 1000) : r.entries;
  out(`entries ${r.entries} (${r.unsealed} not sealed yet), blocks ${r.blocks}, accounts ${r.accounts}; ${r.durationMs} ms (${rate} entries/s)`);
  if (r.head) out(`chain head: height ${r.head.height} ${r.head.hash}`);
  if (r.ok) {
    out('OK: the ledger is intact');
    return 0;
  }
  const p = r.firstProblem!;
  out(`FAILED: ${p.kind} ${p.id}: ${p.reason}`);
  return 1;
}

/** `ledger:seal`: seals every pending entry now (the worker does this continuously). */
export async function ledgerSeal(ctx: INestApplicationContext, out: (line: string) => void = console.log): Promise<number> {
  const sealer = ctx.get(LedgerSealer);
  let blocks = 0;
  let entries = 0;
  for (;;) {
    const r = await sealer.sealPending();
    blocks += r.blocks;
    entries += r.entries;
    if (!r.more) break;
  }
  out(`sealed ${entries} entries into ${blocks} blocks`);
  return 0;
}
