import { FieldError, validationFailed } from '@huigong/common';
import { ReportPeriod } from './dashboard';

export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

/** A date alone means midnight in China (the unions' calendar), a timestamp must carry its offset. */
export const PERIOD_BOUND = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The instant a bound names; Invalid Date for an impossible one (JavaScript would read 02-30 as 03-02). */
export function parseBound(value: string): Date {
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return new Date(NaN);
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00+08:00` : value);
}

/**
 * The period a dashboard covers, half-open [from, to). Missing `to` is now by the database clock,
 * missing `from` is 30 days before `to`. Refuses an empty, reversed or over-long period.
 */
export function resolvePeriod(input: { from?: string; to?: string }, dbNow: Date): ReportPeriod {
  const fields: FieldError[] = [];
  const to = input.to ? parseBound(input.to) : dbNow;
  const from = input.from ? parseBound(input.from) : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (Number.isNaN(to.getTime())) fields.push({ field: 'to', reasons: ['to must be a valid date or timestamp'] });
  if (Number.isNaN(from.getTime())) fields.push({ field: 'from', reasons: ['from must be a valid date or timestamp'] });
  if (!fields.length) {
    if (from >= to) fields.push({ field: 'from', reasons: ['from must be before to'] });
    else if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) fields.push({ field: 'to', reasons: [`a period spans at most ${MAX_PERIOD_DAYS} days`] });
  }
  if (fields.length) throw validationFailed(fields);
  return { from: from.toISOString(), to: to.toISOString() };
}
