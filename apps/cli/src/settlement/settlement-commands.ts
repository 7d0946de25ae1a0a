import { fenToYuan, RunSettlementService } from '@huigong/settlement';
import { INestApplicationContext } from '@nestjs/common';

/** `settlement:run [--supplier ID]`: one settlement run now; prints each statement issued. */
export async function settlementRun(ctx: INestApplicationContext, supplierId?: string, out: (line: string) => void = console.log): Promise<number> {
  const run = await ctx.get(RunSettlementService).run({ trigger: 'cli', user: null, supplierId });
  out(`run ${run.id}: cutoff ${run.cutoff}, ${run.statementCount} statements, ${run.orderCount} orders, ¥${fenToYuan(run.totalFen)}`);
  for (const s of run.statements) out(`  ${s.number}  supplier ${s.supplierId}  ${s.lineCount} orders  ¥${fenToYuan(s.totalFen)}`);
  return 0;
}
