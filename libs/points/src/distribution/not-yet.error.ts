import { AppError } from '@huigong/common';

/**
 * A delayed job ran before its time by the database clock (the process clocks that scheduled it
 * differ slightly, or the reconciler found it due a moment before this transaction's clock did).
 * Nothing was changed. The points processors put the job back in the delayed set for
 * `remainingMs` (measured on the database clock) without using up an attempt.
 */
export class NotYetError extends AppError {
  constructor(
    what: string,
    readonly at: Date,
    /** how long until `at` by the database clock, in ms (≥ 0) */
    readonly remainingMs = 0,
  ) {
    super('NOT_YET', `${what} is due at ${new Date(at).toISOString()} by the database clock`, 409, { at });
  }
}

/** SQL select item: milliseconds from the database's now() until `column` (0 once passed, or when null), as `remaining_ms`. */
export const REMAINING_MS = (column: string): string => `greatest(coalesce(ceil(extract(epoch FROM ${column} - now()) * 1000), 0), 0)::float8 AS remaining_ms`;
