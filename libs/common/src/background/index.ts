export * from './polling-loop';
export * from './with-timeout';
