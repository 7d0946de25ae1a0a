import { AppConfig, AppError, AuthUser, IdempotencyService, Role, TransactionRunner } from '@huigong/common';
import type { CheckoutInput } from '../domain/checkout.types';
import { CheckoutService } from './checkout.service';
import type { GroupCheckout, PlaceCheckoutGroupService } from './place-checkout-group.service';

const input: CheckoutInput = { lines: [{ skuId: '00000000-0000-4000-8000-000000000001', quantity: 1 }], address: { recipient: '刘敏', phone: '13805320011', detail: '黄岛区' } };
const user = (id: string): AuthUser => ({ id, username: id, organizationId: 'u', organizationType: 'union', roles: [Role.Worker] });

/** The grouping queue's shutdown drain, with a placing service whose groups finish only when the test says so. */
describe('CheckoutService shutdown drain', () => {
  let release: () => void;
  let service: CheckoutService;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    const gate = new Promise<void>((resolve) => (release = resolve));
    const placing = { place: (_em: unknown, group: GroupCheckout[]) => gate.then(() => group.map((g) => ({ result: { checkoutId: g.request.key, replayed: false } }))) };
    const tx = { run: <T>(work: (em: unknown) => Promise<T>) => work({}) };
    const config = { checkoutMaxWaiting: 100, checkoutLockTimeoutMs: 500, checkoutDrainTimeoutMs: 1_000 } as AppConfig;
    service = new CheckoutService(tx as unknown as TransactionRunner, {} as IdempotencyService, placing as unknown as PlaceCheckoutGroupService, config);
    warn = jest.spyOn((service as unknown as { logger: { warn(m: string): void } }).logger, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => jest.useRealTimers());

  const outcome = (p: Promise<{ checkoutId: string }>) =>
    p.then(
      (r) => `placed ${r.checkoutId}`,
      (e: AppError) => `${e.status} ${e.code} ${JSON.stringify(e.details)}`,
    );

  it('places what it took before resolving, refuses new checkouts meanwhile, and leaves no timer behind', async () => {
    const taken = ['k1', 'k2', 'k3'].map((k, i) => outcome(service.checkout(user(`u${i}`), k, input)));
    const drain = service.beforeApplicationShutdown();
    expect(service.beforeApplicationShutdown()).toBe(drain); // the same drain, not a second one
    expect(await outcome(service.checkout(user('u9'), 'k9', input))).toBe('503 CHECKOUT_BUSY {"shuttingDown":true}');
    let drained = false;
    void drain.then(() => (drained = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(drained).toBe(false);
    release();
    await drain;
    expect(await Promise.all(taken)).toEqual(['placed k1', 'placed k2', 'placed k3']);
    expect(jest.getTimerCount()).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('past CHECKOUT_DRAIN_TIMEOUT_MS: resolves, logs what is left, refuses the checkouts not yet started 503; the running groups still answer', async () => {
    // two groups run (u0, u1), the third checkout waits for a slot
    const taken = ['k1', 'k2', 'k3'].map((k, i) => outcome(service.checkout(user(`u${i}`), k, input)));
    const first = service.beforeApplicationShutdown();
    const second = service.beforeApplicationShutdown();
    expect(second).toBe(first);
    await jest.advanceTimersByTimeAsync(1_000);
    await first; // resolved by the timeout: the groups are still held
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('timed out after 1000 ms with 1 waiting checkout(s), 0 waiting to go alone, 2 group(s) and 0 lone checkout(s) running');
    expect(await taken[2]).toBe('503 CHECKOUT_BUSY {"shuttingDown":true}');
    release();
    expect(await Promise.all(taken.slice(0, 2))).toEqual(['placed k1', 'placed k2']);
    expect(service.beforeApplicationShutdown()).toBe(first);
  });

  it('with nothing taken, resolves at once', async () => {
    await service.beforeApplicationShutdown();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('CheckoutService transaction options', () => {
  it.each([true, false])('runs each group in a transaction folded as CHECKOUT_FOLD_BEGIN says (%s)', async (fold) => {
    const runs: unknown[] = [];
    const tx = {
      run: <T>(work: (em: unknown) => Promise<T>, options: unknown) => {
        runs.push(options);
        return work({});
      },
    };
    const placing = { place: (_em: unknown, group: GroupCheckout[]) => Promise.resolve(group.map((g) => ({ result: { checkoutId: g.request.key, replayed: false } }))) };
    const config = { checkoutMaxWaiting: 100, checkoutLockTimeoutMs: 500, checkoutDrainTimeoutMs: 1_000, checkoutFoldBegin: fold } as AppConfig;
    const service = new CheckoutService(tx as unknown as TransactionRunner, {} as IdempotencyService, placing as unknown as PlaceCheckoutGroupService, config);
    await expect(service.checkout(user('u1'), 'k1', input)).resolves.toMatchObject({ checkoutId: 'k1' });
    expect(runs).toEqual([{ fold }]);
  });
});
