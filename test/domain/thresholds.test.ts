import { describe, expect, it } from 'vitest';
import type { OperationType } from '../../shared/domain/status.ts';
import {
  DEFAULT_THRESHOLD_SPEC,
  formatThresholds,
  parseThresholds,
  thresholdFor,
  ThresholdSpecError,
} from '../../shared/domain/thresholds.ts';

const MIN = 60_000;
const TYPES: readonly OperationType[] = ['CREATE', 'UPDATE', 'DELETE', 'IMPORT'];

describe('parseThresholds', () => {
  it.each(TYPES)('gives %s the default 20m/40m when no spec is given', (type) => {
    // Act
    const thresholds = parseThresholds();

    // Assess
    expect(thresholdFor(thresholds, type)).toEqual({ warnMs: 20 * MIN, criticalMs: 40 * MIN });
  });

  it('spells the default as *=20m/40m', () => {
    // Act
    const spec = DEFAULT_THRESHOLD_SPEC;

    // Assess
    expect(parseThresholds(spec)).toEqual(parseThresholds());
    expect(thresholdFor(parseThresholds(spec), 'IMPORT')).toEqual({ warnMs: 20 * MIN, criticalMs: 40 * MIN });
  });

  it.each([
    ['DELETE', 20, 40],
    ['UPDATE', 30, 60],
    ['CREATE', 20, 40],
    ['IMPORT', 20, 40],
  ] as const)(
    'reads the design example DELETE=20m/40m,UPDATE=30m/60m,*=20m/40m: %s is %im/%im',
    (type, warn, critical) => {
      // Act
      const thresholds = parseThresholds('DELETE=20m/40m,UPDATE=30m/60m,*=20m/40m');

      // Assess
      expect(thresholdFor(thresholds, type)).toEqual({ warnMs: warn * MIN, criticalMs: critical * MIN });
    },
  );

  it.each([
    ['UPDATE', 30, 60],
    ['CREATE', 10, 15],
    ['DELETE', 10, 15],
    ['IMPORT', 10, 15],
  ] as const)('falls back to * for the types not named: %s is %im/%im', (type, warn, critical) => {
    // Act
    const thresholds = parseThresholds('UPDATE=30m/60m,*=10m/15m');

    // Assess
    expect(thresholdFor(thresholds, type)).toEqual({ warnMs: warn * MIN, criticalMs: critical * MIN });
  });

  it('keeps the 20m/40m default for * when the spec names only one type', () => {
    // Act
    const thresholds = parseThresholds('DELETE=15m/30m');

    // Assess
    expect(thresholdFor(thresholds, 'DELETE')).toEqual({ warnMs: 15 * MIN, criticalMs: 30 * MIN });
    expect(thresholdFor(thresholds, 'CREATE')).toEqual({ warnMs: 20 * MIN, criticalMs: 40 * MIN });
  });

  it('accepts seconds and hours', () => {
    // Act
    const thresholds = parseThresholds('IMPORT=90s/2h');

    // Assess
    expect(thresholdFor(thresholds, 'IMPORT')).toEqual({ warnMs: 90_000, criticalMs: 120 * MIN });
  });

  it('accepts warn equal to critical', () => {
    // Act
    const thresholds = parseThresholds('*=30m/30m');

    // Assess
    expect(thresholdFor(thresholds, 'UPDATE')).toEqual({ warnMs: 30 * MIN, criticalMs: 30 * MIN });
  });

  it.each([
    ['no =', 'DELETE', 'DELETE'],
    ['no /', 'DELETE=20m', 'DELETE=20m'],
    ['an unknown type', 'DELETE=20m/40m,DEPLOY=1m/2m', 'DEPLOY'],
    ['a bad warn duration', 'DELETE=20x/40m', '20x'],
    ['a bad critical duration', 'UPDATE=30m/forty', 'forty'],
    ['three durations', 'UPDATE=30m/40m/50m', '40m/50m'],
    ['warn above critical', 'DELETE=40m/20m', 'DELETE=40m/20m'],
    ['a zero warn', 'CREATE=0m/20m', 'CREATE=0m/20m'],
    ['a repeated type', 'DELETE=1m/2m,*=5m/6m,DELETE=3m/4m', 'DELETE=3m/4m'],
    ['a repeated *', '*=1m/2m,*=3m/4m', '*=3m/4m'],
  ])('rejects a spec with %s (%s), naming %j', (_what, spec, badPart) => {
    // Act
    const attempt = () => parseThresholds(spec);

    // Assess
    expect(attempt).toThrow(ThresholdSpecError);
    expect(attempt).toThrow(badPart);
  });

  it('rejects an empty spec with a message showing the expected form', () => {
    // Act
    const attempt = () => parseThresholds(' ');

    // Assess
    expect(attempt).toThrow(ThresholdSpecError);
    expect(attempt).toThrow(/TYPE=WARN\/CRITICAL/);
  });

  it('names the expected types when the type is unknown', () => {
    // Act
    const attempt = () => parseThresholds('DEPLOY=1m/2m');

    // Assess
    expect(attempt).toThrow(/CREATE, UPDATE, DELETE, IMPORT or \*/);
  });
});

describe('formatThresholds', () => {
  it('writes the named types in CREATE, UPDATE, DELETE, IMPORT order and then *', () => {
    // Prepare
    const thresholds = parseThresholds('*=10m/15m,DELETE=20m/40m,UPDATE=30m/1h');

    // Act
    const spec = formatThresholds(thresholds);

    // Assess
    expect(spec).toBe('UPDATE=30m/1h,DELETE=20m/40m,*=10m/15m');
  });

  it('writes the default as *=20m/40m', () => {
    // Act
    const spec = formatThresholds(parseThresholds());

    // Assess
    expect(spec).toBe('*=20m/40m');
  });

  it('parses back to the same thresholds', () => {
    // Prepare
    const thresholds = parseThresholds('IMPORT=90s/2h,CREATE=5m/10m');

    // Act
    const again = parseThresholds(formatThresholds(thresholds));

    // Assess
    expect(again).toEqual(thresholds);
  });
});

describe('adaptive thresholds in the spec (TYPE=auto)', () => {
  it.each([
    ['UPDATE=auto,*=20m/40m', 'UPDATE', { warnMs: 20 * MIN, criticalMs: 40 * MIN, adaptive: true }],
    ['*=30m/60m,UPDATE=auto', 'UPDATE', { warnMs: 30 * MIN, criticalMs: 60 * MIN, adaptive: true }],
    ['UPDATE=auto', 'DELETE', { warnMs: 20 * MIN, criticalMs: 40 * MIN }],
    ['UPDATE=auto:10m/25m,*=20m/40m', 'UPDATE', { warnMs: 10 * MIN, criticalMs: 25 * MIN, adaptive: true }],
    ['*=auto', 'IMPORT', { warnMs: 20 * MIN, criticalMs: 40 * MIN, adaptive: true }],
    ['*=AUTO:1h/2h,DELETE=20m/40m', 'CREATE', { warnMs: 60 * MIN, criticalMs: 120 * MIN, adaptive: true }],
    ['*=auto:1h/2h,DELETE=20m/40m', 'DELETE', { warnMs: 20 * MIN, criticalMs: 40 * MIN }],
  ] as const)('reads %s: %s under %o', (spec, type, expected) => {
    // Act
    const threshold = thresholdFor(parseThresholds(spec), type);

    // Assess
    expect(threshold).toEqual(expected);
  });

  it.each([
    ['UPDATE=automatic', 'is not TYPE=WARN/CRITICAL, TYPE=auto or TYPE=auto:WARN/CRITICAL'],
    ['UPDATE=auto:20m', 'is not TYPE=WARN/CRITICAL, TYPE=auto or TYPE=auto:WARN/CRITICAL'],
    ['UPDATE=auto,UPDATE=20m/40m', 'repeats type UPDATE'],
    ['UPDATE=auto:40m/20m', 'expected 0 < warn <= critical'],
    ['ROLLBACK=auto', "names unknown operation type 'ROLLBACK'"],
  ])('refuses %s, saying why', (spec, why) => {
    expect(() => parseThresholds(spec)).toThrow(ThresholdSpecError);
    expect(() => parseThresholds(spec)).toThrow(why);
  });

  it.each(['UPDATE=auto,*=20m/40m', 'UPDATE=auto:10m/25m,DELETE=15m/30m,*=auto:1h/2h', '*=auto'])(
    'formats %s as a spec that parses back to the same thresholds',
    (spec) => {
      // Act
      const formatted = formatThresholds(parseThresholds(spec));

      // Assess
      expect(parseThresholds(formatted)).toEqual(parseThresholds(spec));
      expect(formatted).toContain('auto:');
    },
  );
});
