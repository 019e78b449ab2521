import { describe, expect, it } from 'vitest';
import {
  ceilToMinute,
  floorToMinute,
  formatDurationSpec,
  formatInstant,
  humanDuration,
  parseDuration,
  parseInstant,
  parseUserInstant,
  TimeFormatError,
} from '../../shared/domain/time.ts';

const SEED_START = Date.UTC(2021, 8, 21, 19, 9, 0);

describe('parseInstant', () => {
  it.each([
    ['2021-09-21T19:09:00Z', SEED_START],
    ['2021-09-21T21:09:00+02:00', SEED_START],
    ['2021-09-21T14:09:00-05:00', SEED_START],
    ['2021-09-21T19:09:00.250Z', SEED_START + 250],
  ])('reads %s as the instant it names', (text, expected) => {
    // Act
    const ms = parseInstant(text);

    // Assess
    expect(ms).toBe(expected);
  });

  it.each([
    ['no zone', '2021-09-21T19:09:00'],
    ['a date only', '2021-09-21'],
    ['a space instead of T', '2021-09-21 19:09:00Z'],
    ['hour 25', '2021-09-21T25:00:00Z'],
    ['minute 60', '2021-09-21T19:60:00Z'],
    ['month 13', '2021-13-01T00:00:00Z'],
    ['31 September', '2021-09-31T00:00:00Z'],
    ['29 February of a common year', '2021-02-29T00:00:00Z'],
    ['words', 'yesterday'],
    ['nothing', ''],
  ])('returns null for %s (%j)', (_what, text) => {
    // Act
    const ms = parseInstant(text);

    // Assess
    expect(ms).toBeNull();
  });
});

describe('parseUserInstant', () => {
  it('reads a date as midnight UTC of that day', () => {
    // Act
    const ms = parseUserInstant('2021-09-21', '--until');

    // Assess
    expect(ms).toBe(Date.UTC(2021, 8, 21, 0, 0, 0));
  });

  it('reads 29 February of a leap year', () => {
    // Act
    const ms = parseUserInstant('2024-02-29', '--until');

    // Assess
    expect(ms).toBe(Date.UTC(2024, 1, 29));
  });

  it.each(['2021-02-30', '2021-09-31', '2021-02-29T10:00:00Z'])('rejects %s, a day that does not exist', (text) => {
    // Act
    const attempt = () => parseUserInstant(text, '--until');

    // Assess
    expect(attempt).toThrow(TimeFormatError);
    expect(attempt).toThrow(`got '${text}'`);
  });

  it('reads an instant with its zone', () => {
    // Act
    const ms = parseUserInstant('2021-09-21T21:09:00+02:00', '--until');

    // Assess
    expect(ms).toBe(SEED_START);
  });

  it('rejects a time without a zone with a message naming the option, the text and an example', () => {
    // Act
    const attempt = () => parseUserInstant('19:09', '--until');

    // Assess
    expect(attempt).toThrow(TimeFormatError);
    expect(attempt).toThrow(/--until/);
    expect(attempt).toThrow(/'19:09'/);
    expect(attempt).toThrow(/2021-09-21T19:09:00Z/);
  });
});

describe('formatInstant', () => {
  it('writes ISO-8601 UTC with a Z suffix, to the second', () => {
    // Act
    const text = formatInstant(SEED_START);

    // Assess
    expect(text).toBe('2021-09-21T19:09:00Z');
  });

  it('drops the milliseconds rather than rounding them up', () => {
    // Act
    const text = formatInstant(SEED_START + 999);

    // Assess
    expect(text).toBe('2021-09-21T19:09:00Z');
  });

  it('round-trips through parseInstant', () => {
    // Prepare
    const text = '2021-09-21T20:07:00Z';

    // Act
    const again = formatInstant(parseInstant(text) ?? Number.NaN);

    // Assess
    expect(again).toBe(text);
  });
});

describe('floorToMinute / ceilToMinute', () => {
  it.each([
    [SEED_START, SEED_START, SEED_START],
    [SEED_START + 1, SEED_START, SEED_START + 60_000],
    [SEED_START + 59_999, SEED_START, SEED_START + 60_000],
  ])('rounds %i down to %i and up to %i', (at, floor, ceil) => {
    // Act
    const [down, up] = [floorToMinute(at), ceilToMinute(at)];

    // Assess
    expect(down).toBe(floor);
    expect(up).toBe(ceil);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['20m', 1_200_000],
    ['40m', 2_400_000],
    ['1h', 3_600_000],
    ['0m', 0],
  ])('reads %s as %i ms', (text, ms) => {
    // Act
    const parsed = parseDuration(text, '--grace');

    // Assess
    expect(parsed).toBe(ms);
  });

  it.each(['20', 'm', '1.5h', '20 m', '-5m', '1d', '', '20min'])(
    'rejects %j with a message naming the option and the text',
    (text) => {
      // Act
      const attempt = () => parseDuration(text, '--grace');

      // Assess
      expect(attempt).toThrow(TimeFormatError);
      expect(attempt).toThrow(`--grace: expected a duration such as 90s, 20m or 1h, got '${text}'`);
    },
  );
});

describe('formatDurationSpec', () => {
  it.each([
    [3_600_000, '1h'],
    [2_400_000, '40m'],
    [5_400_000, '90m'],
    [90_000, '90s'],
  ])('writes %i ms as %s', (ms, text) => {
    // Act
    const written = formatDurationSpec(ms);

    // Assess
    expect(written).toBe(text);
    expect(parseDuration(written, 'x')).toBe(ms);
  });
});

describe('humanDuration', () => {
  it.each([
    [45_000, '45 s'],
    [59_999, '59 s'],
    [60_000, '1 min'],
    [2_460_000, '41 min'],
    [7_200_000, '2 h'],
    [7_500_000, '2 h 5 min'],
    [-5_000, '0 s'],
  ])('writes %i ms as %j', (ms, text) => {
    // Act
    const written = humanDuration(ms);

    // Assess
    expect(written).toBe(text);
  });
});
