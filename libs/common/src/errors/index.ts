export * from './app-error';
export * from './error-body';
export * from './http-exception.filter';
export * from './validation';
export * from './database-unavailable';
