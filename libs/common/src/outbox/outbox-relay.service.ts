import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PollingLoop } from '../background/polling-loop';
import { withTimeout } from '../background/with-timeout';
import { QueueRegistry } from '../queue/queue-registry';

interface Row {
  id: string;
  queue: string;
  name: string;
  job_id: string;
  payload: Record<string, unknown>;
  delay_ms: string;
  created_at: Date;
}

const ADD_TIMEOUT_MS = 3000;


/**
 * Moves outbox rows to BullMQ. Rows are claimed with SKIP LOCKED so several worker processes can
 * relay side by side; a row is marked dispatched only after BullMQ accepted it, and BullMQ ignores
 * a job id it already holds, so a crash between the two delivers the job once, not twice.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  // idle: OUTBOX_POLL_MS (default 100); failing (Redis or PostgreSQL away): 250 ms doubling to 5 s
  private readonly loop = new PollingLoop({
    name: 'outbox relay',
    round: async () => (await this.relayOnce()) > 0,
    idleMs: () => Number(process.env.OUTBOX_POLL_MS || 100),
    backoffMs: (failures) => Math.min(250 * 2 ** (failures - 1), 5000),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly queues: QueueRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (process.env.OUTBOX_RELAY === 'off') return;
    this.start();
  }

  start(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** One pass: dispatch up to `limit` pending rows. Returns how many went out. */
  async relayOnce(limit = 500): Promise<number> {
    let claimed: string[] = [];
    try {
      return await this.dataSource.transaction(async (em) => {
        const rows: Row[] = await em.query(
          `SELECT id, queue, name, job_id, payload, delay_ms, created_at FROM outbox
            WHERE dispatched_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [limit],
        );
        if (!rows.length) return 0;
        claimed = rows.map((r) => r.id);
        const byQueue = new Map<string, Row[]>();
        for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r]);
        for (const [queue, list] of byQueue) {
          const adding = this.queues.get(queue).addBulk(
            list.map((r) => {
              // the delay counts from the business commit, not from when Redis came back
              const remaining = Number(r.delay_ms) - (Date.now() - new Date(r.created_at).getTime());
              return { name: r.name, data: r.payload, opts: { jobId: r.job_id, delay: Math.max(0, remaining) } };
            }),
          );
          // BullMQ waits for Redis indefinitely; give up, roll back and retry later. Should the add
          // still land afterwards, the retry carries the same job ids and BullMQ ignores it.
          await withTimeout(adding, ADD_TIMEOUT_MS, `Redis did not accept jobs within ${ADD_TIMEOUT_MS} ms`);
        }
        await em.query(`UPDATE outbox SET dispatched_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::bigint[])`, [claimed]);
        return rows.length;
      });
    } catch (err) {
      // the claim rolled back; note the failure on the rows so operators (and tests) can see it
      if (claimed.length) {
        await this.dataSource
          .query(`UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])`, [claimed, String((err as Error).message).slice(0, 500)])
          .catch(() => undefined);
      }
      throw err;
    }
  }

  /** For health and dashboards: how many jobs wait and how old the oldest is. */
  async backlog(): Promise<{ pending: number; oldestSeconds: number | null }> {
    const [r] = await this.dataSource.query(
      `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float AS oldest
         FROM outbox WHERE dispatched_at IS NULL`,
    );
    return { pending: r.pending, oldestSeconds: r.oldest === null ? null : Math.round(r.oldest) };
  }
}
