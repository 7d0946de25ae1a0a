import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import type { Logger as PinoLogger } from 'pino';
import { AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../core.module';
import { HttpExceptionFilter } from '../errors/http-exception.filter';
import { createValidationPipe } from '../errors/validation';
import { recordHeaders, requestContextMiddleware } from './request-context.middleware';

export const API_PREFIX = 'api/v1';

export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const doc = new DocumentBuilder()
    .setTitle('Huigong (惠工) API')
    .setDescription(
      [
        'Worker-benefits points marketplace. All amounts are integer fen (1 point = 1 yuan = 100 fen).',
        'Errors: `{"error": {"code", "message", "details", "requestId"}}`. Validation errors list every bad field in `details.fields`.',
        'Each operation lists the roles allowed to call it in `x-roles`; auditors may never change state (403 AUDITOR_READ_ONLY).',
        'Requests that move value accept an `Idempotency-Key` header.',
      ].join('\n\n'),
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, doc, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
}

/** Everything an HTTP app needs, shared by main.ts and the end-to-end tests so both run the same stack. */
export function configureHttpApp(app: NestExpressApplication, config: AppConfig): OpenAPIObject {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
    ],
  });
  // The API answers JSON and CSV only: nothing may be framed, scripted or loaded from it. The Swagger
  // UI (/docs) and the queue dashboard need their own inline scripts and styles, so they get a
  // looser policy limited to this origin.
  const apiHeaders = helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }, frameguard: { action: 'deny' } });
  const uiHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], frameAncestors: ["'none'"] },
    },
    frameguard: { action: 'deny' },
  });
  // request id, security headers, the request's log line and logger: one middleware (see its notes)
  app.use(
    requestContextMiddleware({
      logger: app.get<PinoLogger>(ROOT_LOGGER),
      headers: recordHeaders(apiHeaders),
      otherHeaders: { test: (url) => /^\/(docs|admin\/queues)(\/|$|-|\?)/.test(url), middleware: uiHeaders },
      quiet: (url) => url === '/health',
    }),
  );
  // Express's own X-Powered-By (helmet removed it again on every response) and its ETag, a SHA-1 of
  // every JSON body computed after the work is done: it saves the client bytes, never the server work
  app.disable('x-powered-by');
  app.set('etag', false);
  app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['X-Request-Id'] });
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.useBodyParser('text', { limit: '20mb', type: ['text/csv', 'text/plain'] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableShutdownHooks();
  app.set('trust proxy', process.env.TRUST_PROXY === 'true');
  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return document;
}
