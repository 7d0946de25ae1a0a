import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { runFolded } from './prepared-query';

const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export interface RunOptions {
  isolation?: IsolationLevel;
  /** attempts in all, including the first */
  attempts?: number;
  /**
   * BEGIN travels with the first statement (a preparedQuery already prepared on the connection)
   * instead of taking a round trip of its own: for hot paths whose transactions are a few
   * statements (checkout groups). Default isolation only.
   */
  fold?: boolean;
}

export function isRetryable(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return RETRYABLE.has(e?.driverError?.code ?? e?.code ?? '');
}

/** A statement gave up waiting for a lock (`lock_timeout`, 55P03 lock_not_available). Not retried by run(). */
export function isLockTimeout(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return (e?.driverError?.code ?? e?.code) === '55P03';
}

/**
 * A use case runs in one explicit unit of work: the EntityManager handed to `work` is the
 * transaction, and it is passed down to every service the use case calls. Serialization failures
 * and deadlocks are retried with jittered back-off, so `work` must not have effects outside the
 * database (enqueue follow-up jobs through the outbox instead).
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (em: EntityManager) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const attempts = options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        if (options.fold && !options.isolation) return await runFolded(this.dataSource, work);
        return options.isolation
          ? await this.dataSource.transaction(options.isolation, work)
          : await this.dataSource.transaction(work);
      } catch (err) {
        if (!isRetryable(err) || attempt >= attempts) throw err;
        const delay = Math.floor(Math.random() * 10 * 2 ** attempt);
        this.logger.debug(`retrying transaction after ${(err as { code?: string }).code ?? 'conflict'} (attempt ${attempt})`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
