import { Logger } from '@nestjs/common';

export interface PollingLoopOptions {
  /** names the loop in its log lines */
  name: string;
  /** one round; resolves true when there is more to do at once (a backlog), false when idle */
  round: () => Promise<boolean>;
  /** pause after an idle round, read at every pause so tests and operators can change it */
  idleMs: () => number;
  /** pause after the n-th failure in a row (n ≥ 1) */
  backoffMs: (failures: number) => number;
}

/**
 * A background loop for worker processes: rounds back to back while there is a backlog, a pause
 * when idle, a growing pause while rounds fail (logged once when it starts failing and once when it
 * recovers), and a stop that wakes the pause and waits for the round in progress to finish.
 * The outbox relay and the ledger sealer share it.
 */
export class PollingLoop {
  private readonly logger: Logger;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: PollingLoopOptions) {
    this.logger = new Logger(options.name);
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let pauseMs = 0;
      try {
        const more = await this.options.round();
        if (failures) this.logger.log(`${this.options.name} is running again after ${failures} failed round(s)`);
        failures = 0;
        if (!more) pauseMs = this.options.idleMs();
      } catch (err) {
        failures++;
        pauseMs = this.options.backoffMs(failures);
        this.logger.warn(`${this.options.name} paused ${pauseMs} ms after failure ${failures}: ${(err as Error).message}`);
      }
      if (this.running && pauseMs > 0) await this.sleep(pauseMs);
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
