export * from './bigint.transformer';
export * from './database-url';
export * from './database.module';
export * from './migrate';
export * from './prepared-query';
export * from './transaction-runner';
export * from './cache-versions.service';
export * from './coalescing-loader';
