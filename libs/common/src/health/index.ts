export * from './core-checks';
export * from './health.controller';
export * from './readiness.registry';
