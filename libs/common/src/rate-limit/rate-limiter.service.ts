import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { createRedis } from '../queue/redis-connection';

export interface RateLimit {
  /** `scope:identity`, e.g. `checkout-user:<id>`; the scope is reported to the client */
  key: string;
  limit: number;
}

/**
 * Fixed-window counting for every key at once: INCR, and the window's expiry set when the key has
 * none yet (its first hit, or a key left without one). Answers count and TTL per key, in order.
 */
const HIT_WINDOW_LUA = `
local out = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('TTL', key)
  if ttl < 0 then
    redis.call('EXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
end
return out`;

type LimiterRedis = Redis & { hitWindow(numKeys: number, ...keysThenWindow: (string | number)[]): Promise<number[]> };

/** How often a Redis outage is logged: once per this many ms, not once per request. */
const WARN_EVERY_MS = 10_000;

/**
 * Fixed-window counters in Redis, shared by every API process. When Redis is away the limiter lets
 * requests through (logged): refusing every login or checkout during a Redis outage would be worse.
 * It has its own connection with a short command timeout (`RATE_LIMIT_TIMEOUT_MS`, default 200 ms)
 * so a dead or stalled Redis costs a request at most that long, never the 2 s the producers wait.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private redis?: Redis;
  private lastWarn = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Counts one hit for each key; throws RATE_LIMITED (429) when any key is over its limit. */
  hit(keys: string[], limit: number, windowSeconds: number): Promise<void> {
    return this.hitLimits(
      keys.map((key) => ({ key, limit })),
      windowSeconds,
    );
  }

  /** Like `hit`, with a limit per key (per user and per address differ). */
  async hitLimits(limits: RateLimit[], windowSeconds: number): Promise<void> {
    this.redis ??= this.connect();
    let counts: number[];
    let ttls: number[];
    try {
      // one command (a script) instead of a MULTI of three per key: one reply for ioredis to parse
      const res = await (this.redis as LimiterRedis).hitWindow(limits.length, ...limits.map(({ key }) => `${this.config.queuePrefix}:rl:${key}`), windowSeconds);
      counts = limits.map((_, i) => Number(res[i * 2] ?? 0));
      ttls = limits.map((_, i) => Number(res[i * 2 + 1] ?? windowSeconds));
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarn > WARN_EVERY_MS) {
        this.lastWarn = now;
        this.logger.warn(`rate limiter unavailable, allowing requests: ${(err as Error).message}`);
      }
      return;
    }
    const over = limits.map((l, i) => ({ ...l, count: counts[i], ttl: ttls[i] })).filter((l) => l.count > l.limit);
    if (over.length) {
      const retryAfterSeconds = Math.max(1, ...over.map((l) => (l.ttl > 0 ? l.ttl : windowSeconds)));
      throw new AppError('RATE_LIMITED', `Too many attempts; try again in ${retryAfterSeconds} s`, 429, {
        limit: Math.min(...over.map((l) => l.limit)),
        windowSeconds,
        retryAfterSeconds,
        scope: over.map((l) => l.key.split(':')[0]),
      });
    }
  }

  private connect(): Redis {
    const redis = createRedis(this.config.redisUrl, 'producer', {
      commandTimeout: this.config.rateLimitTimeoutMs,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
    });
    // ioredis sends it by SHA and loads it again itself after a Redis restart (NOSCRIPT)
    redis.defineCommand('hitWindow', { lua: HIT_WINDOW_LUA });
    return redis;
  }

  async reset(keys: string[]): Promise<void> {
    if (!this.redis) return;
    await this.redis.del(...keys.map((k) => `${this.config.queuePrefix}:rl:${k}`)).catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
