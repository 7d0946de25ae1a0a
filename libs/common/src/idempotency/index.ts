export * from './idempotency-key.decorator';
export * from './idempotency.service';
