import { ReadinessRegistry } from '@huigong/common';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { LedgerVerifier } from './ledger-verifier.service';

/**
 * Readiness check 'ledger': still ready (the ledger answers), but `degraded` while the latest
 * recorded verification failed, so operators see a tampered or inconsistent ledger at once.
 */
@Injectable()
export class LedgerReadiness implements OnModuleInit {
  constructor(
    private readonly registry: ReadinessRegistry,
    private readonly verifier: LedgerVerifier,
  ) {}

  onModuleInit(): void {
    this.registry.register('ledger', async () => {
      const latest = await this.verifier.latest();
      if (!latest) return { ok: true, detail: 'not verified yet' };
      const at = new Date(latest.at).toISOString();
      if (latest.ok) return { ok: true, detail: `verified ${latest.entries} entries at ${at}` };
      const p = latest.firstProblem;
      return { ok: true, degraded: true, detail: `ledger verification at ${at} failed${p ? `: ${p.kind} ${p.id}: ${p.reason}` : ''}` };
    });
  }
}
