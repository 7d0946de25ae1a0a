import { JOB_REDELAY_MARGIN_MS, QueueRegistry, QUEUES } from '@huigong/common';
import { AUTO_CONFIRM_SWEEP_JOB, AUTO_CONFIRM_SWEEP_SCHEDULER, AutoConfirmSweepService, OrderTransitionService } from '@huigong/ordering';
import { INestApplicationContext } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { assertConservation, rawBalance } from './support/ledger-conservation';
import { activateMembers, categories, createSupplier, createUnion, importMembers, listProduct, MemberCtx, openCampaign, SkuCtx, SupplierCtx } from './support/ordering-fixture';
import { bearer, eventually, startTestApp, startTestWorker, TestApp, testConfig } from './support/test-app';

const ADDRESS = { recipient: '李师傅', phone: '13805320002', regionCode: '370202', detail: '青岛市市南区香港中路 8 号' };
const PRICE = 1_000;

/**
 * Auto-confirm never leaves a delivered order behind: a job that runs before its due time (by the
 * database clock and the worker's AUTO_CONFIRM_DAYS) goes back to the delayed set instead of failing
 * through its retries, and the worker's periodic sweep completes the due orders whose job was lost —
 * through the same transition, once, also when the sweep, another sweep and the job race.
 *
 * The API delivers with AUTO_CONFIRM_DAYS=1 (the job's delay), the worker runs with 2: the setting
 * was raised between delivery and the job's run. Days pass by moving delivered_at back.
 */
describe('ordering: auto-confirm re-delays early jobs, and a sweep is its backstop (e2e)', () => {
  let t: TestApp;
  let ds: DataSource;
  let worker: INestApplicationContext;
  let queue: Queue;
  let m: MemberCtx[];
  let s: SupplierCtx;
  let sku: SkuCtx;

  beforeAll(async () => {
    t = await startTestApp({ config: testConfig({ demoProducts: 0, autoConfirmDays: 1 }) });
    ds = t.dataSource;
    // the sweep is off here (testConfig); the last test starts a worker that schedules it
    worker = await startTestWorker({ ...t.config, autoConfirmDays: 2 });
    queue = t.app.get(QueueRegistry).get(QUEUES.orderTimers);
    const admin = await t.login('admin');
    const cats = await categories(t, admin);
    const union = await createUnion(t, admin, '青岛啤酒厂工会', 1_000_000);
    const nos = await importMembers(t, union, 2, 'AC');
    await openCampaign(t, union, { name: '夏季慰问', pointsPerMemberFen: 50_000, closesInMinutes: 120 });
    m = await activateMembers(t, union, nos);
    s = await createSupplier(t, admin, '即墨老酒坊', ['farm-produce']);
    [sku] = await listProduct(t, admin, s, '即墨老酒', cats.get('farm-produce')!, [{ spec: '500ml/瓶', priceFen: PRICE, stock: 1000 }]);
  }, 300_000);

  afterAll(async () => {
    await worker?.close();
    await t?.close();
  });

  let keySeq = 0;
  /** An order taken through checkout → accept → ship → deliver; returns its id once its job is in BullMQ. */
  async function deliveredOrder(who: MemberCtx = m[0]): Promise<string> {
    const placed = await t.http.post('/api/v1/checkout').set(bearer(who.token)).set('Idempotency-Key', `ac-${++keySeq}`).send({ lines: [{ skuId: sku.skuId, quantity: 1 }], address: ADDRESS }).expect(201);
    const id = placed.body.orders[0].id as string;
    await t.http.post(`/api/v1/supplier/orders/${id}/accept`).set(bearer(s.token)).send({}).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${id}/ship`).set(bearer(s.token)).send({ carrier: '顺丰速运', trackingNo: `SF${keySeq}` }).expect(200);
    await t.http.post(`/api/v1/supplier/orders/${id}/deliver`).set(bearer(s.token)).send({}).expect(200);
    await jobOf(id);
    return id;
  }

  const jobOf = (orderId: string) => eventually(() => queue.getJob(`auto-confirm.${orderId}`), 30_000, `the relayed auto-confirm job of ${orderId}`) as Promise<Job>;
  const stateOf = async (orderId: string) => (await ds.query(`SELECT state FROM orders WHERE id = $1`, [orderId]))[0].state as string;
  const deliveredHoursAgo = (orderId: string, hours: number) => ds.query(`UPDATE orders SET delivered_at = now() - make_interval(hours => $2) WHERE id = $1`, [orderId, hours]);
  const payableBalance = async () => {
    const [r] = await ds.query(`SELECT id::text FROM ledger_accounts WHERE type = 'supplier_payable' AND owner_type = 'supplier' AND owner_id = $1`, [s.supplierId]);
    return r ? rawBalance(ds, r.id) : 0;
  };

  /** What a completion leaves, read raw: history rows, ledger entries and links, the escrow. */
  async function completionTrail(orderId: string) {
    const history = await ds.query(
      `SELECT action, from_state, to_state, actor_kind, actor_user_id, reason, details FROM order_history WHERE order_id = $1 AND to_state = 'completed' ORDER BY id`,
      [orderId],
    );
    const [{ entries }] = await ds.query(`SELECT count(*)::int AS entries FROM ledger_entries WHERE reference = $1 AND kind = 'order_completion'`, [`order:${orderId}`]);
    const [{ links }] = await ds.query(`SELECT count(*)::int AS links FROM order_ledger_entries WHERE order_id = $1 AND kind = 'completion'`, [orderId]);
    const [o] = await ds.query(`SELECT state, escrow_account_id::text AS escrow, payable_account_id::text AS payable FROM orders WHERE id = $1`, [orderId]);
    return { history, entries, links, state: o.state, escrowBalance: await rawBalance(ds, o.escrow), payable: o.payable };
  }

  const completedOnce = (trigger: 'job' | 'sweep') => ({
    history: [
      {
        action: 'auto_confirm',
        from_state: 'delivered',
        to_state: 'completed',
        actor_kind: 'system',
        actor_user_id: null,
        reason: 'Not confirmed within 2 days of delivery',
        details: expect.objectContaining({ trigger, dueAt: expect.any(String), payableAccountId: expect.any(String) }),
      },
    ],
    entries: 1,
    links: 1,
    state: 'completed',
    escrowBalance: 0,
    payable: expect.any(String),
  });

  it('a job run before its due time goes back to the delayed set until then (no attempt used), and completes the order once due', async () => {
    const id = await deliveredOrder();
    // a day later the job is due by the API's AUTO_CONFIRM_DAYS=1, not by the worker's 2
    await deliveredHoursAgo(id, 25);
    const [{ due_at }] = await ds.query(`SELECT delivered_at + interval '2 days' AS due_at FROM orders WHERE id = $1`, [id]);
    await (await jobOf(id)).promote();

    const redelayed = await eventually(
      async () => {
        const j = await queue.getJob(`auto-confirm.${id}`);
        return j?.processedOn && (await j.getState()) === 'delayed' ? j : null;
      },
      30_000,
      'the early job back in the delayed set',
    );
    expect(redelayed.attemptsMade).toBe(0);
    expect(redelayed.failedReason).toBeFalsy();
    // delayed until the database's due time (+ the margin), measured from when it ran
    const runsAt = redelayed.processedOn! + redelayed.delay;
    expect(Math.abs(runsAt - (new Date(due_at).getTime() + JOB_REDELAY_MARGIN_MS))).toBeLessThan(5_000);
    expect(await stateOf(id)).toBe('delivered');
    expect((await completionTrail(id)).history).toEqual([]);

    // the second day passes: the same job, run again, completes the order
    await deliveredHoursAgo(id, 49);
    await redelayed.promote();
    await eventually(async () => (await queue.getJobState(`auto-confirm.${id}`)) === 'completed', 30_000, 'the job completed');
    const done = (await queue.getJob(`auto-confirm.${id}`))!;
    expect(done.returnvalue).toEqual({ orderId: id, completed: true });
    expect(done.attemptsMade).toBe(1);
    expect(await completionTrail(id)).toEqual(completedOnce('job'));
    const timeline = (await t.http.get(`/api/v1/me/orders/${id}`).set(bearer(m[0].token)).expect(200)).body.timeline;
    expect(timeline.at(-1)).toMatchObject({ action: 'auto_confirm', actorKind: 'system', reason: 'Not confirmed within 2 days of delivery', details: { trigger: 'job' } });
    await assertConservation(ds, 'a re-delayed job completed');
  });

  it('the sweep completes due orders whose job was lost, a page at a time, at most maxOrders a run, oldest first; orders not yet due stay', async () => {
    const sweeps = worker.get(AutoConfirmSweepService);
    const lost: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await deliveredOrder(m[i % 2]);
      await (await jobOf(id)).remove();
      // oldest first: lost[0] was delivered earliest
      await deliveredHoursAgo(id, 60 - i);
      lost.push(id);
    }
    const notDue = await deliveredOrder();
    await deliveredHoursAgo(notDue, 47);
    const payableBefore = await payableBalance();

    const first = await sweeps.sweep({ pageSize: 2, maxOrders: 3 });
    expect(first).toMatchObject({ examined: 3, completed: 3, alreadyDone: 0, notDue: 0, failed: 0, more: true, completedOrderIds: lost.slice(0, 3) });
    expect(await stateOf(lost[3])).toBe('delivered');
    const second = await sweeps.sweep({ pageSize: 2, maxOrders: 3 });
    expect(second).toMatchObject({ examined: 1, completed: 1, more: false, completedOrderIds: [lost[3]] });
    expect(await sweeps.sweep()).toMatchObject({ examined: 0, completed: 0, more: false });

    for (const id of lost) expect(await completionTrail(id)).toEqual(completedOnce('sweep'));
    expect(await payableBalance()).toBe(payableBefore + 4 * PRICE);
    expect(await stateOf(notDue)).toBe('delivered');
    expect((await completionTrail(notDue)).history).toEqual([]);
    await assertConservation(ds, 'the sweep');
  });

  it('orders that keep failing at the front of the sweep do not keep newer due orders waiting', async () => {
    const sweeps = worker.get(AutoConfirmSweepService);
    const transitions = worker.get(OrderTransitionService);
    const [bad, a, b] = [await deliveredOrder(), await deliveredOrder(), await deliveredOrder()];
    for (const [id, hours] of [[bad, 70], [a, 69], [b, 68]] as const) {
      await (await jobOf(id)).remove();
      await deliveredHoursAgo(id, hours);
    }
    // the oldest order cannot be completed (say its supplier's payable is unusable): every try fails
    const real = transitions.autoConfirm.bind(transitions);
    const spy = jest.spyOn(transitions, 'autoConfirm').mockImplementation((id, trigger) => (id === bad ? Promise.reject(new Error('payable unusable')) : real(id, trigger)));
    try {
      expect(await sweeps.sweep({ maxOrders: 1 })).toMatchObject({ examined: 1, failed: 1, more: true });
      // the next run goes on after it instead of trying it again first
      expect(await sweeps.sweep({ maxOrders: 1 })).toMatchObject({ examined: 1, completed: 1, completedOrderIds: [a] });
      expect(await sweeps.sweep({ maxOrders: 1 })).toMatchObject({ examined: 1, completed: 1, completedOrderIds: [b] });
      // past the newest, the run goes round to the oldest again, which still fails
      expect(await sweeps.sweep({ maxOrders: 1 })).toMatchObject({ examined: 1, failed: 1 });
    } finally {
      spy.mockRestore();
    }
    // once it can be completed, the next run (resuming after it, going round) completes it
    expect(await sweeps.sweep()).toMatchObject({ completed: 1, failed: 0, more: false, completedOrderIds: [bad] });
    await assertConservation(ds, 'a sweep past failing orders');
  });

  it('sweep, a second sweep and the order’s job at the same moment: the order completes once', async () => {
    const id = await deliveredOrder();
    await deliveredHoursAgo(id, 49);
    const payableBefore = await payableBalance();
    const sweeps = worker.get(AutoConfirmSweepService);

    // hold the order's row so that all three are surely waiting for it together
    const holder = ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    let racing: Promise<unknown>[] = [];
    try {
      await holder.query(`SELECT 1 FROM orders WHERE id = $1 FOR UPDATE`, [id]);
      racing = [sweeps.sweep(), sweeps.sweep()];
      await (await jobOf(id)).promote();
      await eventually(
        async () => (await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'SELECT * FROM orders%'`))[0].n >= 3,
        30_000,
        'two sweeps and the job waiting for the order row',
      );
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    const [a, b] = (await Promise.all(racing)) as { completed: number; alreadyDone: number; failed: number }[];
    await eventually(async () => (await queue.getJobState(`auto-confirm.${id}`)) === 'completed', 30_000, 'the job finished');
    const job = (await queue.getJob(`auto-confirm.${id}`))!;

    expect(a.failed + b.failed).toBe(0);
    const completions = [a.completed, b.completed, job.returnvalue.completed ? 1 : 0];
    expect(completions.reduce((x, y) => x + y, 0)).toBe(1);
    expect(a.alreadyDone + b.alreadyDone).toBe(job.returnvalue.completed ? 2 : 1);
    const trail = await completionTrail(id);
    expect(trail).toEqual(completedOnce(job.returnvalue.completed ? 'job' : 'sweep'));
    expect(await payableBalance()).toBe(payableBefore + PRICE);
    await assertConservation(ds, 'the race');
  });

  it('the worker schedules the sweep every AUTO_CONFIRM_SWEEP_INTERVAL_MS; it completes a lost job’s order once, run after run', async () => {
    const id = await deliveredOrder();
    await (await jobOf(id)).remove();
    await deliveredHoursAgo(id, 49);
    const payableBefore = await payableBalance();

    const sweeping = await startTestWorker({ ...t.config, autoConfirmDays: 2, autoConfirmSweepIntervalMs: 1000 });
    try {
      expect(await queue.getJobSchedulers()).toEqual([expect.objectContaining({ key: AUTO_CONFIRM_SWEEP_SCHEDULER, every: 1000, name: AUTO_CONFIRM_SWEEP_JOB })]);
      await eventually(async () => (await stateOf(id)) === 'completed', 30_000, 'the scheduled sweep to complete the order');
      // two more runs find nothing left to do
      const sweepRuns = async () => (await queue.getJobs(['completed'])).filter((j) => j.name === AUTO_CONFIRM_SWEEP_JOB);
      const runsThen = (await sweepRuns()).length;
      await eventually(async () => (await sweepRuns()).length >= runsThen + 2, 30_000, 'two more sweep runs');
      const results = (await sweepRuns()).map((j) => j.returnvalue as { completed: number; completedOrderIds: string[] });
      expect(results.flatMap((r) => r.completedOrderIds)).toEqual([id]);
    } finally {
      await sweeping.close();
    }
    expect(await completionTrail(id)).toEqual(completedOnce('sweep'));
    expect(await payableBalance()).toBe(payableBefore + PRICE);
    await assertConservation(ds, 'the scheduled sweep');

    // AUTO_CONFIRM_SWEEP_INTERVAL_MS=off: a worker started with it removes the schedule
    const off = await startTestWorker({ ...t.config, autoConfirmSweepIntervalMs: 0 });
    await off.close();
    expect(await queue.getJobSchedulers()).toEqual([]);
  });
});
