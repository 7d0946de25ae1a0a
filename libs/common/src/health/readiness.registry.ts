import { Injectable } from '@nestjs/common';

export interface ReadinessResult {
  ok: boolean;
  /** degraded: answers, but something an operator must look at (e.g. a failed ledger verification) */
  degraded?: boolean;
  detail?: string;
}

export type ReadinessCheck = () => Promise<ReadinessResult>;

/** Contexts add their own checks (PostgreSQL and Redis are built in; the ledger adds its verification). */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 2000): Promise<{ ready: boolean; degraded: boolean; checks: Record<string, ReadinessResult> }> {
    const entries = [...this.checks.entries()];
    const results = await Promise.all(
      entries.map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<ReadinessResult>((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
        });
        try {
          const r: ReadinessResult = await Promise.race([check().catch((e: Error): ReadinessResult => ({ ok: false, detail: e.message })), timeout]);
          return [name, r] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const checks = Object.fromEntries(results);
    return {
      ready: results.every(([, r]) => r.ok),
      degraded: results.some(([, r]) => r.degraded),
      checks,
    };
  }
}
