import { DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Logger as PinoRoot, pino } from 'pino';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { CacheVersions } from './database/cache-versions.service';
import { DatabaseModule } from './database/database.module';
import { CoreReadinessChecks } from './health/core-checks';
import { ReadinessRegistry } from './health/readiness.registry';
import { IdempotencyService } from './idempotency/idempotency.service';
import { OutboxService } from './outbox/outbox.service';
import { QueueRegistry } from './queue/queue-registry';
import { RateLimiter } from './rate-limit/rate-limiter.service';

/** Headers and fields that must never reach a log line. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.activationCode',
];

/** The root pino logger of a process: Nest's log lines and the HTTP request lines are written with it. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

export function createRootLogger(config: AppConfig, appName: string): PinoRoot {
  return pino({
    level: config.logLevel,
    name: `huigong-${appName}`,
    redact: { paths: LOG_REDACT, censor: '[redacted]' },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
    },
  });
}

/** Everything both processes share: config, PostgreSQL, Redis/BullMQ, logging, outbox, health. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, appName: 'api' | 'worker' | 'cli'): DynamicModule {
    const logger = createRootLogger(config, appName);
    return {
      module: CoreModule,
      imports: [
        DatabaseModule.forRoot(config, `huigong-${appName}`),
        // nestjs-pino for the application's own log lines (Nest's Logger → pino); the request line and
        // the request id come from requestContextMiddleware (configureHttpApp), not from pino-http:
        // no middleware of nestjs-pino's own (forRoutes: []).
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
        QueueRegistry,
        OutboxService,
        ReadinessRegistry,
        CoreReadinessChecks,
        RateLimiter,
        IdempotencyService,
        CacheVersions,
      ],
      exports: [APP_CONFIG, ROOT_LOGGER, QueueRegistry, OutboxService, ReadinessRegistry, RateLimiter, IdempotencyService, CacheVersions],
    };
  }
}
