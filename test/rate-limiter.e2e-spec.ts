import { AppError, RateLimiter } from '@huigong/common';
import Redis from 'ioredis';
import { testConfig } from './support/test-app';

/** The fixed-window limiter against the real Redis: counts, windows, and the 429 it throws. */
describe('RateLimiter (real Redis)', () => {
  const config = testConfig();
  const limiter = new RateLimiter(config);
  const redis = new Redis(config.redisUrl);
  const k = (key: string) => `${config.queuePrefix}:rl:${key}`;

  afterAll(async () => {
    limiter.onModuleDestroy();
    const keys = await redis.keys(`${config.queuePrefix}:rl:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('counts each key in its own window and refuses past the limit with the longest wait', async () => {
    await limiter.hitLimits([{ key: 'u:1', limit: 2 }, { key: 'ip:a', limit: 5 }], 30);
    await limiter.hitLimits([{ key: 'u:1', limit: 2 }, { key: 'ip:a', limit: 5 }], 30);
    expect(await redis.get(k('u:1'))).toBe('2');
    const ttl = await redis.ttl(k('u:1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
    const err = await limiter.hitLimits([{ key: 'u:1', limit: 2 }, { key: 'ip:a', limit: 5 }], 30).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('RATE_LIMITED');
    expect((err as AppError).details).toMatchObject({ limit: 2, windowSeconds: 30, scope: ['u'] });
    expect((err as AppError).details as { retryAfterSeconds: number }).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(((err as AppError).details as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect(await redis.get(k('ip:a'))).toBe('3');
  });

  it('keeps the first hit’s expiry (a fixed window) and gives a key left without one an expiry', async () => {
    await limiter.hitLimits([{ key: 'u:2', limit: 10 }], 100);
    await redis.expire(k('u:2'), 7);
    await limiter.hitLimits([{ key: 'u:2', limit: 10 }], 100);
    expect(await redis.ttl(k('u:2'))).toBeLessThanOrEqual(7);
    await redis.set(k('u:3'), '4'); // no expiry: it would count forever
    await limiter.hitLimits([{ key: 'u:3', limit: 10 }], 100);
    expect(await redis.get(k('u:3'))).toBe('5');
    expect(await redis.ttl(k('u:3'))).toBeGreaterThan(7);
  });
});
