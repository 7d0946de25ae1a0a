export * from './auth.decorators';
export * from './roles';
