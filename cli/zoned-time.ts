/**
 * Times for people in a zone they ask for (`--tz`), with the zone's real offset at that instant:
 * Intl knows the daylight-saving rules, so nothing here computes an offset by hand.
 */
import { formatInstant, type Instant } from '../shared/domain/time.ts';

export class TimeZoneError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TimeZoneError';
  }
}

export type TimeFormatter = (at: Instant) => string;

/**
 * A formatter for `zone` (IANA, e.g. `Europe/Berlin`), or UTC with `Z` when none is asked for.
 *
 * @example
 * zonedFormatter('Europe/Berlin')(Date.parse('2021-09-21T19:09:00Z')); // '2021-09-21T21:09:00+02:00'
 */
export function zonedFormatter(zone: string | undefined): TimeFormatter {
  if (zone === undefined) return formatInstant;
  let parts: Intl.DateTimeFormat;
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
  } catch (error) {
    throw new TimeZoneError(`--tz: '${zone}' is not a time zone (expected an IANA name such as Europe/Berlin or UTC)`, { cause: error });
  }
  return (at) => {
    const field = (type: Intl.DateTimeFormatPartTypes): string => parts.formatToParts(at).find((part) => part.type === type)?.value ?? '';
    // "GMT+02:00", or plain "GMT" where the offset is zero.
    const offset = field('timeZoneName').replace('GMT', '') || '+00:00';
    return `${field('year')}-${field('month')}-${field('day')}T${field('hour')}:${field('minute')}:${field('second')}${offset}`;
  };
}
