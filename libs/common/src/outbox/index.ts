export * from './outbox-message.entity';
export * from './outbox-relay.service';
export * from './outbox.service';
