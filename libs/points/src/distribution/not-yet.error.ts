import { AppError } from '@huigong/common';

/**
 * A delayed job ran before its time by the database clock (the process clocks that scheduled it
 * differ slightly). Thrown so BullMQ retries it later; nothing was changed.
 */
export class NotYetError extends AppError {
  constructor(what: string, at: Date) {
    super('NOT_YET', `${what} is due at ${new Date(at).toISOString()} by the database clock`, 409, { at });
  }
}
