/**
 * Times for people in a zone they ask for (`--tz`), with the zone's real offset at that instant:
 * Intl knows the daylight-saving rules, so nothing here computes an offset by hand.
 */
import { formatInstant, type Instant } from '../shared/domain/time.ts';
import { UserInputError } from '../shared/errors.ts';

export class TimeZoneError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TimeZoneError';
  }
}

export type TimeFormatter = (at: Instant) => string;

const DAY_MS = 86_400_000;

/** The zone's wall clock at an instant, as Intl gives it field by field. */
type WallClock = (at: Instant) => { readonly fields: string; readonly offset: string; readonly asUtc: Instant };

function wallClockOf(zone: string): WallClock {
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
    throw new TimeZoneError(`--tz: '${zone}' is not a time zone (expected an IANA name such as Europe/Berlin or UTC)`, {
      cause: error,
    });
  }
  return (at) => {
    const found = parts.formatToParts(at);
    const field = (type: Intl.DateTimeFormatPartTypes): string => found.find((part) => part.type === type)?.value ?? '';
    const date = `${field('year')}-${field('month')}-${field('day')}`;
    const fields = `${date}T${field('hour')}:${field('minute')}:${field('second')}`;
    // "GMT+02:00", or plain "GMT" where the offset is zero.
    const offset = field('timeZoneName').replace('GMT', '') || '+00:00';
    return { fields, offset, asUtc: Date.parse(`${fields}Z`) };
  };
}

/**
 * A formatter for `zone` (IANA, e.g. `Europe/Berlin`), or UTC with `Z` when none is asked for.
 *
 * @example
 * zonedFormatter('Europe/Berlin')(Date.parse('2021-09-21T19:09:00Z')); // '2021-09-21T21:09:00+02:00'
 */
export function zonedFormatter(zone: string | undefined): TimeFormatter {
  if (zone === undefined) return formatInstant;
  const wall = wallClockOf(zone);
  return (at) => {
    const { fields, offset } = wall(at);
    return `${fields}${offset}`;
  };
}

/**
 * When a day begins in `zone` (UTC when none is asked for), given that day's midnight read as
 * UTC: midnight there with the offset Intl says the zone had, or, on a day whose midnight the
 * clocks skip, the instant they jump.
 *
 * @example
 * dayStartIn('Europe/Berlin')(Date.parse('2021-09-21T00:00:00Z')); // 2021-09-20T22:00:00Z
 */
export function dayStartIn(zone: string | undefined): (utcMidnight: Instant) => Instant {
  if (zone === undefined) return (at) => at;
  const wall = wallClockOf(zone);
  const offsetAt = (at: Instant): number => wall(at).asUtc - Math.floor(at / 1000) * 1000;
  return (midnight) => {
    // Offsets change at most once around a day: the one before and the one after it.
    const tries = [offsetAt(midnight - DAY_MS), offsetAt(midnight + DAY_MS)].map((offset) => midnight - offset);
    const exact = tries.filter((at) => wall(at).asUtc === midnight);
    return exact.length > 0 ? Math.min(...exact) : Math.max(...tries);
  };
}
