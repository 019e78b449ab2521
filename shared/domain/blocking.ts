/**
 * A deployment blocked by a deletion (the seed's second deployment): a CREATE or UPDATE that
 * failed while another stack of the same service was still being deleted, or whose failure says
 * that a resource "already exists in stack …", most likely failed because the old stack still
 * held what the new one needed.
 */
import { operationStop, type Operation } from './operations.ts';
import type { Instant } from './time.ts';

export interface BlockingDeletion {
  readonly stackId: string;
  readonly stackName: string;
  /** When the deletion began; `null` when only the failure's reason names the stack. */
  readonly since: Instant | null;
  /** How long the deletion had been running when the deployment failed. */
  readonly runningMsAtFailure: number | null;
  /** What the failure's reason says already exists, when it says so. */
  readonly heldResource: string | null;
}

/** `<name> already exists in stack <arn>`: CloudFormation's words for a name the old stack still holds. */
const ALREADY_EXISTS = /(\S+) already exists in stack (arn:[\w-]+:cloudformation:[\w-]+:\d+:stack\/([^/\s]+)\/[\w-]+)/;

/**
 * The deletion that most likely made `failed` fail: the stack its failure reasons name, else a
 * deletion of another stack of the service that overlapped it (the longest running). `null` for
 * anything but a failed CREATE or UPDATE, and when there is none.
 *
 * @example
 * blockingDeletion(scanCreate, serviceOperations, ['trustsource-scan-queue already exists in stack
 * arn:…/trustsource-core-prod/…'])?.stackName;
 * // 'trustsource-core-prod'
 */
export function blockingDeletion(
  failed: Operation,
  serviceOperations: readonly Operation[],
  failureReasons: readonly string[],
): BlockingDeletion | null {
  if (failed.state !== 'ended' || !failed.failed || (failed.type !== 'CREATE' && failed.type !== 'UPDATE')) return null;
  const deletions = serviceOperations.filter(
    (operation) =>
      operation.type === 'DELETE' &&
      operation.stackId !== failed.stackId &&
      operation.start <= failed.end &&
      (operationStop(operation) ?? Number.POSITIVE_INFINITY) >= failed.start,
  );
  const named = [...failed.phases.map((phase) => phase.statusReason), ...failureReasons]
    .map((reason) => ALREADY_EXISTS.exec(reason))
    .find((match) => match !== null && match[2] !== failed.stackId);
  const describe = (
    deletion: Operation | undefined,
    stackId: string,
    stackName: string,
    heldResource: string | null,
  ): BlockingDeletion => ({
    stackId,
    stackName,
    since: deletion?.start ?? null,
    runningMsAtFailure: deletion ? failed.end - deletion.start : null,
    heldResource,
  });
  if (named) {
    const [, resource = null, stackId = '', stackName = ''] = named;
    return describe(
      deletions.find((deletion) => deletion.stackId === stackId),
      stackId,
      stackName,
      resource,
    );
  }
  const longest = [...deletions].sort((a, b) => a.start - b.start)[0];
  return longest ? describe(longest, longest.stackId, longest.stackName, null) : null;
}
