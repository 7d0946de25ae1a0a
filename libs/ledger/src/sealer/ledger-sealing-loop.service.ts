import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LedgerSealer } from './ledger-sealer.service';

/**
 * Runs the sealer in the worker process: a round every LEDGER_SEAL_INTERVAL_MS (default 200) while
 * idle, back to back while there is a backlog. Several workers may run it; the advisory lock in
 * each round lets one seal at a time. LEDGER_SEALER=off disables it (tests that seal by hand).
 */
@Injectable()
export class LedgerSealingLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LedgerSealingLoop.name);
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly sealer: LedgerSealer) {}

  onApplicationBootstrap(): void {
    if (process.env.LEDGER_SEALER === 'off') return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const idleMs = Number(process.env.LEDGER_SEAL_INTERVAL_MS || 200);
    let failures = 0;
    while (this.running) {
      let more = false;
      try {
        more = (await this.sealer.sealPending()).more;
        if (failures) this.logger.log('ledger sealing resumed');
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn(`ledger sealing failed (${failures}): ${(err as Error).message}`);
      }
      if (!more) await this.sleep(failures ? Math.min(idleMs * 2 ** failures, 10_000) : idleMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
