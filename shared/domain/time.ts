/**
 * Time as the domain sees it: instants are epoch milliseconds; text is ISO-8601 UTC with `Z`,
 * to the second, as stored and printed everywhere.
 */
import { UserInputError } from '../errors.ts';

export type Instant = number;

/** The injected source of "now": Lambdas pass the wall clock, replays and tests a virtual one. */
export type Clock = () => Instant;

export const MINUTE_MS = 60_000;

export class TimeFormatError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TimeFormatError';
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses an ISO-8601 instant with an explicit zone (`Z` or `±hh:mm`); `null` when it is not one.
 *
 * @example
 * parseInstant('2021-09-21T19:09:00Z'); // 1632251340000
 */
export function parseInstant(text: string): Instant | null {
  if (!ISO_INSTANT.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || !isCalendarDate(text.slice(0, 10)) ? null : ms;
}

/** Date.parse rolls 2021-09-31 over to October; a day that does not exist is not a time. */
function isCalendarDate(yyyyMmDd: string): boolean {
  return new Date(`${yyyyMmDd}T00:00:00Z`).toISOString().startsWith(yyyyMmDd);
}

/**
 * Parses a user-given time: an ISO-8601 instant, or a date — midnight UTC, or the instant
 * `dayStart` gives for that day's midnight read as UTC (a zone's midnight).
 *
 * @example
 * parseUserInstant('2021-09-21', '--until'); // 2021-09-21T00:00:00Z
 */
export function parseUserInstant(
  text: string,
  what: string,
  dayStart: (utcMidnight: Instant) => Instant = (at) => at,
): Instant {
  const isDate = ISO_DATE.test(text);
  const parsed = parseInstant(isDate ? `${text}T00:00:00Z` : text);
  const ms = parsed !== null && isDate ? dayStart(parsed) : parsed;
  if (ms === null) {
    throw new TimeFormatError(
      `${what}: expected an ISO-8601 time such as 2021-09-21T19:09:00Z or a date such as 2021-09-21, got '${text}'`,
    );
  }
  return ms;
}

/**
 * Formats an instant as ISO-8601 UTC to the second.
 *
 * @example
 * formatInstant(Date.UTC(2021, 8, 21, 19, 9)); // '2021-09-21T19:09:00Z'
 */
export function formatInstant(at: Instant): string {
  return new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Event times are whole seconds (DESIGN.md); a fraction would make two claims of one notification differ. */
export function floorToSecond(at: Instant): Instant {
  return Math.floor(at / 1000) * 1000;
}

/**
 * The first whole second at or after `at`: an instant computed from a threshold of a fraction of a
 * second (an adaptive one) read at the second before it would find the threshold not yet passed.
 *
 * @example
 * ceilToSecond(Date.parse('2024-03-05T10:04:59.250Z')); // 10:05:00
 */
export function ceilToSecond(at: Instant): Instant {
  return Math.ceil(at / 1000) * 1000;
}

export function floorToMinute(at: Instant): Instant {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

export function ceilToMinute(at: Instant): Instant {
  return Math.ceil(at / MINUTE_MS) * MINUTE_MS;
}

const DURATION = /^(\d+)(s|m|h)$/;
const UNIT_MS = { s: 1000, m: MINUTE_MS, h: 60 * MINUTE_MS } as const;

/**
 * Parses a duration written `<n>s`, `<n>m` or `<n>h`.
 *
 * @example
 * parseDuration('40m', '--grace'); // 2_400_000
 */
export function parseDuration(text: string, what: string): number {
  const match = DURATION.exec(text.trim());
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (!match?.[1] || !unit) {
    throw new TimeFormatError(`${what}: expected a duration such as 90s, 20m or 1h, got '${text}'`);
  }
  return Number(match[1]) * UNIT_MS[unit];
}

/** Writes a duration back in the shortest exact `<n>s|m|h` form. */
export function formatDurationSpec(ms: number): string {
  if (ms % UNIT_MS.h === 0) return `${ms / UNIT_MS.h}h`;
  if (ms % UNIT_MS.m === 0) return `${ms / UNIT_MS.m}m`;
  return `${Math.round(ms / 1000)}s`;
}

/**
 * A duration as a person reads it in an alert: "41 min", "2 h 5 min", "45 s".
 *
 * @example
 * humanDuration(2_460_000); // '41 min'
 */
export function humanDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes} min`;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
