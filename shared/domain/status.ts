/**
 * CloudFormation's StackStatus values and how the watchdog classifies them (DESIGN.md,
 * "Stack statuses"). Unknown statuses are not an error: they are kept and ignored by the rules.
 */

export const OperationType = {
  CREATE: 'CREATE',
  UPDATE: 'UPDATE',
  DELETE: 'DELETE',
  IMPORT: 'IMPORT',
} as const;
export type OperationType = (typeof OperationType)[keyof typeof OperationType];

export const StatusClass = {
  IN_PROGRESS: 'IN_PROGRESS',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  NOT_TIMED: 'NOT_TIMED',
} as const;
export type StatusClass = (typeof StatusClass)[keyof typeof StatusClass];

interface StatusRule {
  readonly statusClass: StatusClass;
  /** The operation type the status belongs to; a rollback belongs to what it rolls back. */
  readonly operation: OperationType | null;
  /** Always begins a new operation (DESIGN.md: the four *_IN_PROGRESS "verbs"). */
  readonly beginsOperation: boolean;
  /** The stack serves traffic in this status. */
  readonly healthy: boolean;
}

const rule = (
  statusClass: StatusClass,
  operation: OperationType | null,
  extra: Partial<Pick<StatusRule, 'beginsOperation' | 'healthy'>> = {},
): StatusRule => ({ statusClass, operation, beginsOperation: false, healthy: false, ...extra });

const { IN_PROGRESS, SUCCESS, FAILURE, NOT_TIMED } = StatusClass;
const { CREATE, UPDATE, DELETE, IMPORT } = OperationType;

export const STATUS_RULES = {
  CREATE_IN_PROGRESS: rule(IN_PROGRESS, CREATE, { beginsOperation: true }),
  UPDATE_IN_PROGRESS: rule(IN_PROGRESS, UPDATE, { beginsOperation: true }),
  DELETE_IN_PROGRESS: rule(IN_PROGRESS, DELETE, { beginsOperation: true }),
  IMPORT_IN_PROGRESS: rule(IN_PROGRESS, IMPORT, { beginsOperation: true }),
  UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: rule(IN_PROGRESS, UPDATE),
  UPDATE_ROLLBACK_IN_PROGRESS: rule(IN_PROGRESS, UPDATE),
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: rule(IN_PROGRESS, UPDATE),
  ROLLBACK_IN_PROGRESS: rule(IN_PROGRESS, CREATE),
  IMPORT_ROLLBACK_IN_PROGRESS: rule(IN_PROGRESS, IMPORT),
  CREATE_COMPLETE: rule(SUCCESS, CREATE, { healthy: true }),
  UPDATE_COMPLETE: rule(SUCCESS, UPDATE, { healthy: true }),
  DELETE_COMPLETE: rule(SUCCESS, DELETE),
  IMPORT_COMPLETE: rule(SUCCESS, IMPORT, { healthy: true }),
  CREATE_FAILED: rule(FAILURE, CREATE),
  UPDATE_FAILED: rule(FAILURE, UPDATE),
  DELETE_FAILED: rule(FAILURE, DELETE),
  ROLLBACK_COMPLETE: rule(FAILURE, CREATE),
  ROLLBACK_FAILED: rule(FAILURE, CREATE),
  // The previous template serves again, so the stack is healthy although the update failed.
  UPDATE_ROLLBACK_COMPLETE: rule(FAILURE, UPDATE, { healthy: true }),
  UPDATE_ROLLBACK_FAILED: rule(FAILURE, UPDATE),
  // As UPDATE_ROLLBACK_COMPLETE: the stack as it was before the import serves again.
  IMPORT_ROLLBACK_COMPLETE: rule(FAILURE, IMPORT, { healthy: true }),
  IMPORT_ROLLBACK_FAILED: rule(FAILURE, IMPORT),
  REVIEW_IN_PROGRESS: rule(NOT_TIMED, null),
} as const satisfies Record<string, StatusRule>;

export type StackStatus = keyof typeof STATUS_RULES;
export const STACK_STATUSES = Object.keys(STATUS_RULES) as readonly StackStatus[];

export const DELETE_COMPLETE = 'DELETE_COMPLETE' satisfies StackStatus;
export const REVIEW_IN_PROGRESS = 'REVIEW_IN_PROGRESS' satisfies StackStatus;
export const UPDATE_ROLLBACK_IN_PROGRESS = 'UPDATE_ROLLBACK_IN_PROGRESS' satisfies StackStatus;
export const UPDATE_ROLLBACK_COMPLETE = 'UPDATE_ROLLBACK_COMPLETE' satisfies StackStatus;
export const UPDATE_ROLLBACK_FAILED = 'UPDATE_ROLLBACK_FAILED' satisfies StackStatus;
export const UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS =
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS' satisfies StackStatus;

export function isKnownStatus(status: string): status is StackStatus {
  return Object.hasOwn(STATUS_RULES, status);
}

/**
 * The rule for a status, or `undefined` for a status this version does not know.
 *
 * @example
 * statusRule('ROLLBACK_IN_PROGRESS')?.operation; // 'CREATE'
 */
export function statusRule(status: string): StatusRule | undefined {
  return isKnownStatus(status) ? STATUS_RULES[status] : undefined;
}

export function isTerminal(status: string): boolean {
  const statusClass = statusRule(status)?.statusClass;
  return statusClass === SUCCESS || statusClass === FAILURE;
}

/** Operation types in the order a stack's life runs through them (DESIGN.md, same-second order). */
const LIFECYCLE_ORDER: readonly OperationType[] = [CREATE, IMPORT, UPDATE, DELETE];

/**
 * Where a status goes among statuses of one stack that share a second, before the rule for a
 * terminal that ends an operation already running (operations.ts applies it): by operation type
 * in lifecycle order (CREATE, IMPORT, UPDATE, DELETE), within one type the status that begins an
 * operation, then the other in-progress statuses, then terminal ones, failures first. A change set under review
 * precedes everything, unknown statuses come last.
 *
 * @example
 * ['DELETE_COMPLETE', 'ROLLBACK_COMPLETE', 'CREATE_IN_PROGRESS'].sort((a, b) => sameSecondRank(a) - sameSecondRank(b));
 * // ['CREATE_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'DELETE_COMPLETE']
 */
export function sameSecondRank(status: string): number {
  const found = statusRule(status);
  if (!found) return 1_000;
  if (found.operation === null) return -1;
  // Among terminal statuses (DESIGN.md leaves their order open) a failure first: of two in one
  // second, the failure is the one that ends a rolled-back operation, a success one whose start was lost.
  const phase = found.beginsOperation
    ? 0
    : found.statusClass === IN_PROGRESS
      ? 1
      : found.statusClass === FAILURE
        ? 2
        : 3;
  return LIFECYCLE_ORDER.indexOf(found.operation) * 10 + phase;
}
