import { DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

function withUser(req: IncomingMessage & { user?: { id: string } }, line: object): object {
  return req.user?.id === undefined ? line : { ...line, userId: req.user.id };
}

/** Everything both processes share: config, PostgreSQL, Redis/BullMQ, logging, outbox, health. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, appName: 'api' | 'worker' | 'cli'): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        DatabaseModule.forRoot(config, `huigong-${appName}`),
        LoggerModule.forRoot({
          // Express 5's path syntax: nestjs-pino's default '*' makes Nest warn on every start
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            name: `huigong-${appName}`,
            redact: { paths: LOG_REDACT, censor: '[redacted]' },
            genReqId: (req: IncomingMessage, res: ServerResponse) => {
              const given = req.headers['x-request-id'];
              const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            // the user on the request's own log line. Not customProps: pino-http evaluates those twice
            // per request and builds a child logger (bindings serialized, redaction run) each time,
            // whatever the level; these run only when the line is written.
            customSuccessObject: (req: IncomingMessage & { user?: { id: string } }, _res: ServerResponse, line: object) => withUser(req, line),
            customErrorObject: (req: IncomingMessage & { user?: { id: string } }, _res: ServerResponse, _err: Error, line: object) => withUser(req, line),
            autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
            },
          },
        }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        QueueRegistry,
        OutboxService,
        ReadinessRegistry,
        CoreReadinessChecks,
        RateLimiter,
        IdempotencyService,
        CacheVersions,
      ],
      exports: [APP_CONFIG, QueueRegistry, OutboxService, ReadinessRegistry, RateLimiter, IdempotencyService, CacheVersions],
    };
  }
}
