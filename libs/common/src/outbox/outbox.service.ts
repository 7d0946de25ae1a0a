import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface OutboxJob {
  queue: string;
  name: string;
  /** deterministic: the same business event always yields the same id, so it runs once */
  jobId: string;
  payload: Record<string, unknown>;
  /** run no earlier than this many milliseconds after dispatch (e.g. auto-confirm after N days) */
  delayMs?: number;
}

/**
 * The transactional outbox: business code writes its follow-up job in the same transaction as the
 * change that causes it, so a commit never loses its job when Redis is slow or down. The relay in
 * the worker process moves rows to BullMQ.
 */
/** BullMQ stores job `x` under `<prefix>:<queue>:x`, beside its own keys: ids must not collide. */
const RESERVED_IDS = new Set(['marker', 'meta', 'id', 'events', 'wait', 'paused', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'stalled', 'stalled-check', 'repeat', 'limiter', 'pc', 'de', 'waiting-children']);

export function assertJobId(id: string): void {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(id) || /^\d+$/.test(id) || RESERVED_IDS.has(id)) {
    throw new Error(`invalid job id "${id}": use letters, digits, . _ - (not only digits, not a BullMQ key name)`);
  }
}

@Injectable()
export class OutboxService {
  async enqueue(em: EntityManager, ...jobs: OutboxJob[]): Promise<void> {
    if (!jobs.length) return;
    jobs.forEach((j) => assertJobId(j.jobId));
    const values: unknown[] = [];
    const rows = jobs.map((j, i) => {
      values.push(j.queue, j.name, j.jobId, JSON.stringify(j.payload), j.delayMs ?? 0);
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5})`;
    });
    await em.query(
      `INSERT INTO outbox (queue, name, job_id, payload, delay_ms) VALUES ${rows.join(', ')}
       ON CONFLICT (queue, job_id) DO NOTHING`,
      values,
    );
  }
}
