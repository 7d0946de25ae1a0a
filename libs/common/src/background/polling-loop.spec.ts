import { Logger } from '@nestjs/common';
import { PollingLoop } from './polling-loop';

/** A round the test resolves by hand, so the loop's order of events is observable without timing. */
function scriptedRounds() {
  const calls: { resolve: (more: boolean) => void; reject: (e: Error) => void }[] = [];
  const waiters: (() => void)[] = [];
  const round = () =>
    new Promise<boolean>((resolve, reject) => {
      calls.push({ resolve, reject });
      waiters.splice(0).forEach((w) => w());
    });
  const nextCall = async (n: number) => {
    while (calls.length < n) await new Promise<void>((r) => waiters.push(r));
    return calls[n - 1];
  };
  return { calls, round, nextCall };
}

describe('PollingLoop', () => {
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.useRealTimers());

  it('runs rounds back to back while there is more, pauses when idle, backs off on failure', async () => {
    jest.useFakeTimers();
    const s = scriptedRounds();
    const pauses: string[] = [];
    const loop = new PollingLoop({
      name: 'test loop',
      round: s.round,
      idleMs: () => (pauses.push('idle'), 1000),
      backoffMs: (n) => (pauses.push(`backoff ${n}`), 100 * n),
    });
    loop.start();
    (await s.nextCall(1)).resolve(true); // backlog: the next round starts without a pause
    (await s.nextCall(2)).resolve(false); // idle: one pause of idleMs
    await jest.advanceTimersByTimeAsync(999);
    expect(s.calls).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    (await s.nextCall(3)).reject(new Error('redis away'));
    await jest.advanceTimersByTimeAsync(99);
    expect(s.calls).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1);
    (await s.nextCall(4)).reject(new Error('still away'));
    await jest.advanceTimersByTimeAsync(199);
    expect(s.calls).toHaveLength(4);
    await jest.advanceTimersByTimeAsync(1);
    (await s.nextCall(5)).resolve(false); // recovered: back to the idle pause
    await jest.advanceTimersByTimeAsync(0);
    expect(pauses).toEqual(['idle', 'backoff 1', 'backoff 2', 'idle']);
    const stopped = loop.stop(); // wakes the idle pause
    await stopped;
    expect(loop.isRunning).toBe(false);
    expect(s.calls).toHaveLength(5);
  });

  it('stop waits for the round in progress and starts no other', async () => {
    const s = scriptedRounds();
    const loop = new PollingLoop({ name: 'test loop', round: s.round, idleMs: () => 60_000, backoffMs: () => 60_000 });
    loop.start();
    const first = await s.nextCall(1);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    first.resolve(true); // even with a backlog, a stopped loop does not go round again
    await stopping;
    expect(stopped).toBe(true);
    expect(s.calls).toHaveLength(1);
  });
});
