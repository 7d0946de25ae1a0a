export * from './queue-names';
export * from './queue-registry';
export * from './redis-connection';
export * from './job-workers.service';
export * from './job-reconciler.service';
export * from './delay-until-due';
