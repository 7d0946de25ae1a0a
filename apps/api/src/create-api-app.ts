import { AppConfig, configureHttpApp } from '@huigong/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ApiModule } from './api.module';
import { mountQueueDashboard } from './queue-dashboard';

/** Builds the API exactly as production runs it; the end-to-end tests use this too. */
export async function createApiApp(config: AppConfig): Promise<{ app: NestExpressApplication; openApi: OpenAPIObject }> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.register(config), { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  const openApi = configureHttpApp(app, config);
  mountQueueDashboard(app);
  return { app, openApi };
}
