import { migrateDatabase, OutboxService, QueueRegistry, QUEUES } from '@huigong/common';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PrivateRedis } from './support/processes';
import { cleanup, eventually, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

/**
 * The outbox's promise: a job written while Redis is unreachable is delivered once Redis is back,
 * and delivered once.
 */
describe('transactional outbox (e2e, private redis-server)', () => {
  let redis: PrivateRedis;
  let worker: INestApplicationContext | undefined;
  let api: TestApp | undefined;
  const config = testConfig();

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    Object.assign(config, { redisUrl: redis.url });
    await migrateDatabase(config.databaseUrl);
  });

  afterAll(async () => {
    await redis.start().catch(() => undefined);
    await worker?.close();
    await api?.close();
    await redis.stop();
    await cleanup(config);
  });

  it('keeps a job committed while Redis is down and delivers it exactly once when Redis returns', async () => {
    api = await startTestApp({ config, seed: false });
    worker = await startTestWorker(config);
    await redis.stop();
    const ready = await api.http.get('/health/ready').expect(503);
    expect(ready.body.down).toContain('redis');

    // the business transaction commits although Redis is away
    const ds = api.app.get(DataSource);
    await ds.transaction((em) => api!.app.get(OutboxService).enqueue(em, { queue: QUEUES.system, name: 'echo', jobId: 'echo-1', payload: { n: 1 } }));
    // the relay tried, failed, and left the row pending
    const failed = await eventually(async () => (await ds.query(`SELECT last_error, dispatched_at FROM outbox WHERE job_id = 'echo-1' AND last_error IS NOT NULL`))[0], 30000, 'a failed relay attempt');
    expect(failed.dispatched_at).toBeNull();
    expect(await ds.query(`SELECT 1 FROM job_runs`)).toEqual([]);

    await redis.start();
    const run = await eventually(async () => (await ds.query(`SELECT runs FROM job_runs WHERE job_id = 'echo-1'`))[0], 30000, 'echo-1 to run').catch(async (e) => {
      console.log(await ds.query(`SELECT * FROM outbox`));
      throw e;
    });
    expect(run.runs).toBe(1);
    await api.http.get('/health/ready').expect(200);

    // the same business event enqueued again, and a relay that re-sends the same job id (as after a
    // crash between BullMQ accepting it and the outbox row being marked): neither runs it again
    await ds.transaction((em) => api!.app.get(OutboxService).enqueue(em, { queue: QUEUES.system, name: 'echo', jobId: 'echo-1', payload: { n: 1 } }));
    await worker.get(QueueRegistry).get(QUEUES.system).add('echo', { n: 1 }, { jobId: 'echo-1' });
    // a later job: the queue is FIFO, so once it ran, any duplicate would have run before it
    await ds.transaction((em) => api!.app.get(OutboxService).enqueue(em, { queue: QUEUES.system, name: 'echo', jobId: 'later-job', payload: {} }));
    await eventually(async () => (await ds.query(`SELECT 1 FROM job_runs WHERE job_id = 'later-job'`)).length > 0, 30000, 'later-job');
    const [again] = await ds.query(`SELECT runs FROM job_runs WHERE job_id = 'echo-1'`);
    expect(again.runs).toBe(1);
    const [rows] = await ds.query(`SELECT count(*)::int AS n FROM outbox WHERE job_id = 'echo-1'`);
    expect(rows.n).toBe(1);
  });
});
