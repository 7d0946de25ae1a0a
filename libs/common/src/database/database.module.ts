import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TransactionRunner } from './transaction-runner';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig, appName: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          autoLoadEntities: true,
          synchronize: false, // the schema changes through migrations only
          migrationsRun: false,
          logging: ['error'],
          applicationName: appName,
          // jit=off: the app's statements are short OLTP ones (or set-based chunks) that JIT compilation
          // only slows down — its cost estimate trips on big unnest() batches and adds ~100 ms each
          extra: { max: Number(process.env.DB_POOL_SIZE || 20), connectionTimeoutMillis: 5000, options: '-c jit=off' },
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
      providers: [TransactionRunner],
      exports: [TransactionRunner],
    };
  }
}

export { APP_CONFIG };
