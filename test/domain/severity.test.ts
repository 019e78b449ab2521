import { describe, expect, it } from 'vitest';
import { deriveOperations, type Operation, type StatusRecord } from '../../shared/domain/operations.ts';
import { maxSeverity, operationSeverity, severityRank, type OperationSeverity } from '../../shared/domain/severity.ts';
import { parseThresholds } from '../../shared/domain/thresholds.ts';
import { rec, stack, t } from './fixtures.ts';

const API = stack('api');
const DEFAULTS = parseThresholds();

function only(records: readonly StatusRecord[]): Operation {
  const [operation] = deriveOperations(records);
  if (!operation) throw new Error('expected an operation');
  return operation;
}

describe('operationSeverity', () => {
  it.each([
    ['10:19:59', null],
    ['10:20:00', 'WARNING'],
    ['10:39:59', 'WARNING'],
    ['10:40:00', 'CRITICAL'],
    ['13:00:00', 'CRITICAL'],
  ] as const)('gives a delete running until now = %s the severity %s', (now, expected) => {
    // Prepare
    const operation = only([rec(API, '10:00', 'DELETE_IN_PROGRESS')]);

    // Act
    const severity = operationSeverity(operation, t(now), DEFAULTS);

    // Assess
    expect(severity).toBe(expected);
  });

  it.each([
    ['10:19:59', null],
    ['10:20:00', 'WARNING'],
    ['10:40:00', 'CRITICAL'],
  ] as const)('measures an ended operation from start to end (%s), whatever now is', (end, expected) => {
    // Prepare
    const operation = only([rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, end, 'UPDATE_COMPLETE')]);

    // Act
    const severity = operationSeverity(operation, t('23:00'), DEFAULTS);

    // Assess
    expect(severity).toBe(expected);
  });

  it.each([
    'CREATE_FAILED',
    'ROLLBACK_COMPLETE',
    'UPDATE_ROLLBACK_COMPLETE',
    'DELETE_FAILED',
    'IMPORT_ROLLBACK_FAILED',
  ])('gives FAILED to an operation that ended in %s, however short', (status) => {
    // Prepare
    const operation = only([rec(API, '10:00', status)]);

    // Act
    const severity = operationSeverity(operation, t('10:00'), DEFAULTS);

    // Assess
    expect(severity).toBe('FAILED');
  });

  it('measures an abandoned operation to the start of the next one, not to now', () => {
    // Prepare
    const [abandoned] = deriveOperations([
      rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:25', 'DELETE_IN_PROGRESS'),
    ]);
    if (!abandoned) throw new Error('expected an operation');

    // Act
    const severity = operationSeverity(abandoned, t('23:00'), DEFAULTS);

    // Assess
    expect(abandoned.state).toBe('abandoned');
    expect(severity).toBe('WARNING');
  });

  it.each([
    ['DELETE', 'DELETE_IN_PROGRESS', 'WARNING'],
    ['UPDATE', 'UPDATE_IN_PROGRESS', null],
    ['CREATE', 'CREATE_IN_PROGRESS', 'CRITICAL'],
  ] as const)('uses the thresholds of the type: a %s after 25 min is %s', (_type, status, expected) => {
    // Prepare
    const thresholds = parseThresholds('DELETE=20m/40m,UPDATE=30m/60m,*=10m/20m');
    const operation = only([rec(API, '10:00', status)]);

    // Act
    const severity = operationSeverity(operation, t('10:25'), thresholds);

    // Assess
    expect(severity).toBe(expected);
  });
});

describe('severityRank / maxSeverity', () => {
  const ORDER: readonly (OperationSeverity | null)[] = [null, 'WARNING', 'CRITICAL', 'FAILED'];

  it('orders none < WARNING < CRITICAL < FAILED', () => {
    // Act
    const ranks = ORDER.map(severityRank);

    // Assess
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(4);
  });

  it.each(ORDER.flatMap((a, i) => ORDER.map((b, j) => [a, b, ORDER[Math.max(i, j)] ?? null] as const)))(
    'takes max(%s, %s) = %s',
    (a, b, expected) => {
      // Act
      const highest = maxSeverity(a, b);

      // Assess
      expect(highest).toBe(expected);
    },
  );
});
