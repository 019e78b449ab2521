import { StackStatus as SdkStackStatus } from '@aws-sdk/client-cloudformation';
import { describe, expect, it } from 'vitest';
import {
  isKnownStatus,
  isTerminal,
  sameSecondRank,
  STACK_STATUSES,
  statusRule,
  type OperationType,
  type StatusClass,
} from '../../shared/domain/status.ts';

type Row = readonly [
  status: string,
  statusClass: StatusClass,
  operation: OperationType | null,
  begins: boolean,
  healthy: boolean,
];

/** DESIGN.md, "Stack statuses" and "Operations", written out by hand for all 23 values. */
const TABLE: readonly Row[] = [
  ['CREATE_IN_PROGRESS', 'IN_PROGRESS', 'CREATE', true, false],
  ['UPDATE_IN_PROGRESS', 'IN_PROGRESS', 'UPDATE', true, false],
  ['DELETE_IN_PROGRESS', 'IN_PROGRESS', 'DELETE', true, false],
  ['IMPORT_IN_PROGRESS', 'IN_PROGRESS', 'IMPORT', true, false],
  ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'IN_PROGRESS', 'UPDATE', false, false],
  ['UPDATE_ROLLBACK_IN_PROGRESS', 'IN_PROGRESS', 'UPDATE', false, false],
  ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'IN_PROGRESS', 'UPDATE', false, false],
  ['ROLLBACK_IN_PROGRESS', 'IN_PROGRESS', 'CREATE', false, false],
  ['IMPORT_ROLLBACK_IN_PROGRESS', 'IN_PROGRESS', 'IMPORT', false, false],
  ['CREATE_COMPLETE', 'SUCCESS', 'CREATE', false, true],
  ['UPDATE_COMPLETE', 'SUCCESS', 'UPDATE', false, true],
  ['DELETE_COMPLETE', 'SUCCESS', 'DELETE', false, false],
  ['IMPORT_COMPLETE', 'SUCCESS', 'IMPORT', false, true],
  ['CREATE_FAILED', 'FAILURE', 'CREATE', false, false],
  ['UPDATE_FAILED', 'FAILURE', 'UPDATE', false, false],
  ['DELETE_FAILED', 'FAILURE', 'DELETE', false, false],
  ['ROLLBACK_COMPLETE', 'FAILURE', 'CREATE', false, false],
  ['ROLLBACK_FAILED', 'FAILURE', 'CREATE', false, false],
  ['UPDATE_ROLLBACK_COMPLETE', 'FAILURE', 'UPDATE', false, true],
  ['UPDATE_ROLLBACK_FAILED', 'FAILURE', 'UPDATE', false, false],
  ['IMPORT_ROLLBACK_COMPLETE', 'FAILURE', 'IMPORT', false, true],
  ['IMPORT_ROLLBACK_FAILED', 'FAILURE', 'IMPORT', false, false],
  ['REVIEW_IN_PROGRESS', 'NOT_TIMED', null, false, false],
];

describe('STACK_STATUSES', () => {
  it('lists exactly the 23 values of the AWS SDK StackStatus enum', () => {
    // Prepare
    const sdk = Object.values(SdkStackStatus);

    // Act
    const ours = new Set<string>(STACK_STATUSES);

    // Assess
    expect(sdk).toHaveLength(23);
    expect(STACK_STATUSES).toHaveLength(23);
    expect(ours).toEqual(new Set<string>(sdk));
  });

  it('is covered row for row by the table of this test', () => {
    // Prepare
    const tabled = TABLE.map(([status]) => status);

    // Act
    const ours = [...STACK_STATUSES].sort();

    // Assess
    expect(ours).toEqual([...tabled].sort());
  });
});

describe('statusRule', () => {
  it.each(TABLE)(
    'classifies %s as %s, operation %s, begins %s, healthy %s',
    (status, statusClass, operation, begins, healthy) => {
      // Act
      const found = statusRule(status);

      // Assess
      expect(found).toEqual({ statusClass, operation, beginsOperation: begins, healthy });
    },
  );

  it.each(['STACK_EXPLODED', '', 'create_complete', 'toString', '__proto__'])(
    'returns undefined for the unknown status %j',
    (status) => {
      // Act
      const found = statusRule(status);

      // Assess
      expect(found).toBeUndefined();
      expect(isKnownStatus(status)).toBe(false);
    },
  );
});

describe('isKnownStatus', () => {
  it.each(TABLE)('knows %s', (status) => {
    // Act
    const known = isKnownStatus(status);

    // Assess
    expect(known).toBe(true);
  });
});

describe('isTerminal', () => {
  it.each(
    TABLE.map(([status, statusClass]) => [status, statusClass === 'SUCCESS' || statusClass === 'FAILURE'] as const),
  )('says %s is terminal: %s', (status, terminal) => {
    // Act
    const result = isTerminal(status);

    // Assess
    expect(result).toBe(terminal);
  });

  it('treats an unknown status as not terminal', () => {
    // Act
    const result = isTerminal('SOMETHING_NEW_COMPLETE');

    // Assess
    expect(result).toBe(false);
  });
});

describe('sameSecondRank', () => {
  const ofType = (type: string) => TABLE.filter(([, , operation]) => operation === type).map(([status]) => status);
  const pairs = (earlier: readonly string[], later: readonly string[]) =>
    earlier.flatMap((a) => later.map((b) => [a, b] as const));
  const lifecycle = ['CREATE', 'IMPORT', 'UPDATE', 'DELETE'];

  it.each(lifecycle.slice(0, -1).flatMap((type, i) => pairs(ofType(type), ofType(lifecycle[i + 1] as string))))(
    'orders %s before %s (operation types in lifecycle order)',
    (a, b) => {
      // Act
      const [ra, rb] = [sameSecondRank(a), sameSecondRank(b)];

      // Assess
      expect(ra).toBeLessThan(rb);
    },
  );

  it.each([
    ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
    ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'],
    ['ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'],
    ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
    ['IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT_ROLLBACK_COMPLETE'],
    ['UPDATE_ROLLBACK_COMPLETE', 'UPDATE_COMPLETE'],
    ['DELETE_FAILED', 'DELETE_COMPLETE'],
    ['ROLLBACK_COMPLETE', 'CREATE_COMPLETE'],
  ])('orders %s before %s within one type (begin, in progress, terminal: a failure first)', (a, b) => {
    // Act
    const [ra, rb] = [sameSecondRank(a), sameSecondRank(b)];

    // Assess
    expect(ra).toBeLessThan(rb);
  });

  it('puts a change set under review first and an unknown status last', () => {
    // Act
    const ranks = TABLE.map(([status]) => sameSecondRank(status)).filter(
      (rank) => rank !== sameSecondRank('REVIEW_IN_PROGRESS'),
    );

    // Assess
    expect(Math.min(...ranks)).toBeGreaterThan(sameSecondRank('REVIEW_IN_PROGRESS'));
    expect(Math.max(...ranks)).toBeLessThan(sameSecondRank('SOMETHING_NEW_COMPLETE'));
  });
});
