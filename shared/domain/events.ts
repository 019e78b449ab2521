import type { SyntheticOrigin } from './operations.ts';
import type { Instant } from './time.ts';

/** Where a stack lives, all of it read from its ARN (DESIGN.md: stacks are identified by ARN only). */
export interface StackRef {
  readonly stackId: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
}

export const DetailType = {
  STACK_STATUS: 'CloudFormation Stack Status Change',
  RESOURCE_STATUS: 'CloudFormation Resource Status Change',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

export interface StackStatusEvent extends StackRef {
  readonly kind: 'stack-status';
  readonly eventId: string;
  readonly time: Instant;
  readonly status: string;
  readonly statusReason: string;
  /**
   * Set on a status the sweeper made up from DescribeStacks because the event was lost (kept in
   * the timeline so that a postmortem sees it, marked as reconciled); real events replace it.
   */
  readonly synthetic?: SyntheticOrigin | undefined;
}

export interface ResourceStatusEvent extends StackRef {
  readonly kind: 'resource-status';
  readonly eventId: string;
  readonly time: Instant;
  readonly logicalResourceId: string;
  readonly physicalResourceId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly statusReason: string;
}

/** Another CloudFormation detail-type (drift detection, hooks): accepted and not acted upon. */
export interface OtherCloudFormationEvent extends StackRef {
  readonly kind: 'other';
  readonly eventId: string;
  readonly time: Instant;
  readonly detailType: string;
}

export type CloudFormationEvent = StackStatusEvent | ResourceStatusEvent | OtherCloudFormationEvent;

const STACK_ARN = /^arn:(aws[a-z-]*):cloudformation:([a-z0-9-]+):([^:]+):stack\/([^/]+)(?:\/[^/]+)?$/;

/**
 * Reads region, account and name from a stack ARN; `null` when the text is not one.
 * The documentation's examples omit the `/<uuid>` suffix that real ARNs carry; both are accepted.
 *
 * @example
 * parseStackArn('arn:aws:cloudformation:eu-west-1:123456789012:stack/api/5b1c7a40-9f0e-11ef-8c2a-0a1b2c3d4e5f');
 * // { stackId: '…', stackName: 'api', account: '123456789012', region: 'eu-west-1' }
 */
export function parseStackArn(arn: string): StackRef | null {
  const match = STACK_ARN.exec(arn);
  if (!match) return null;
  const [, , region, account, stackName] = match;
  if (!region || !account || !stackName) return null;
  return { stackId: arn, stackName, account, region };
}
