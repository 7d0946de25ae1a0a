import { PollingLoop } from '@huigong/common';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LedgerSealer } from './ledger-sealer.service';

/**
 * Runs the sealer in the worker process: a round every LEDGER_SEAL_INTERVAL_MS (default 200) while
 * idle, back to back while there is a backlog, the interval doubling (to 10 s) while rounds fail.
 * Several workers may run it; the advisory lock in each round lets one seal at a time.
 * LEDGER_SEALER=off disables it (tests that seal by hand).
 */
@Injectable()
export class LedgerSealingLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop = new PollingLoop({
    name: 'ledger sealing',
    round: async () => (await this.sealer.sealPending()).more,
    idleMs: () => this.idleMs(),
    backoffMs: (failures) => Math.min(this.idleMs() * 2 ** failures, 10_000),
  });

  constructor(private readonly sealer: LedgerSealer) {}

  onApplicationBootstrap(): void {
    if (process.env.LEDGER_SEALER === 'off') return;
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private idleMs(): number {
    return Number(process.env.LEDGER_SEAL_INTERVAL_MS || 200);
  }
}
