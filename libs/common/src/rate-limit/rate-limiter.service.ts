import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { createRedis } from '../queue/redis-connection';

/**
 * Fixed-window counters in Redis, shared by every API process. When Redis is away the limiter lets
 * requests through (logged): refusing every login during a Redis outage would be worse.
 */
@Injectable()
export class RateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(RateLimiter.name);
  private redis?: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Counts one hit for each key; throws RATE_LIMITED (429) when any key is over its limit. */
  async hit(keys: string[], limit: number, windowSeconds: number): Promise<void> {
    this.redis ??= createRedis(this.config.redisUrl, 'producer');
    let counts: number[];
    try {
      const tx = this.redis.multi();
      for (const k of keys) tx.incr(`${this.config.queuePrefix}:rl:${k}`).expire(`${this.config.queuePrefix}:rl:${k}`, windowSeconds, 'NX');
      const res = (await tx.exec()) ?? [];
      counts = keys.map((_, i) => Number(res[i * 2]?.[1] ?? 0));
    } catch (err) {
      this.logger.warn(`rate limiter unavailable, allowing: ${(err as Error).message}`);
      return;
    }
    const over = keys.filter((_, i) => counts[i] > limit);
    if (over.length) {
      throw new AppError('RATE_LIMITED', `Too many attempts; try again in up to ${windowSeconds} s`, 429, {
        limit,
        windowSeconds,
        scope: over.map((k) => k.split(':')[0]),
      });
    }
  }

  async reset(keys: string[]): Promise<void> {
    if (!this.redis) return;
    await this.redis.del(...keys.map((k) => `${this.config.queuePrefix}:rl:${k}`)).catch(() => undefined);
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
