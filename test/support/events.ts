/**
 * Builders for CloudFormation events in the exact EventBridge shape, for tests.
 */
import { randomUUID } from 'node:crypto';

export interface StackSpec {
  readonly name: string;
  readonly account?: string;
  readonly region?: string;
  readonly uuid?: string;
}

export function stackArn({
  name,
  account = '123456789012',
  region = 'eu-west-1',
  uuid = '5b1c7a40-9f0e-11ef-8c2a-0a1b2c3d4e5f',
}: StackSpec): string {
  return `arn:aws:cloudformation:${region}:${account}:stack/${name}/${uuid}`;
}

export function stackEvent(stack: StackSpec, time: string, status: string, reason = '', id: string = randomUUID()) {
  const arn = stackArn(stack);
  return {
    version: '0',
    id,
    'detail-type': 'CloudFormation Stack Status Change',
    source: 'aws.cloudformation',
    account: stack.account ?? '123456789012',
    time,
    region: stack.region ?? 'eu-west-1',
    resources: [arn],
    detail: { 'stack-id': arn, 'status-details': { status, 'status-reason': reason }, 'client-request-token': '' },
  };
}

export function resourceEvent(
  stack: StackSpec,
  time: string,
  logicalId: string,
  status: string,
  { type = 'AWS::Lambda::Function', physicalId = `${stack.name}-${logicalId}`, reason = '' } = {},
) {
  const arn = stackArn(stack);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudFormation Resource Status Change',
    source: 'aws.cloudformation',
    account: stack.account ?? '123456789012',
    time,
    region: stack.region ?? 'eu-west-1',
    resources: [arn],
    detail: {
      'stack-id': arn,
      'logical-resource-id': logicalId,
      'physical-resource-id': physicalId,
      'status-details': { status, 'status-reason': reason },
      'resource-type': type,
      'client-request-token': '',
    },
  };
}

export const at = (text: string): number => Date.parse(text);
