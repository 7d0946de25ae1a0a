import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { createRedis } from '../queue/redis-connection';
import { ReadinessRegistry } from './readiness.registry';

@Injectable()
export class CoreReadinessChecks implements OnModuleInit, OnModuleDestroy {
  private redis?: Redis;

  constructor(
    private readonly registry: ReadinessRegistry,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register('postgres', async () => {
      await this.dataSource.query('SELECT 1');
      return { ok: true };
    });
    this.registry.register('redis', async () => {
      this.redis ??= createRedis(this.config.redisUrl, 'probe');
      const pong = await this.redis.ping();
      return { ok: pong === 'PONG' };
    });
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}
