/**
 * A root stack whose deletion hangs in one of its nested stacks: a Lambda function in a VPC whose
 * network interfaces take 38 minutes to go. The events are in the exact EventBridge shape; the
 * nested stack's own status change arrives before its parent's resource event names it.
 */
import { resourceEvent, stackArn, stackEvent, type StackSpec } from './events.ts';

export const ROOT: StackSpec = {
  name: 'core-prod',
  region: 'eu-central-1',
  uuid: '0a1b2c3d-0000-11ef-8c2a-0a1b2c3d4e5f',
};
export const NESTED: StackSpec = {
  name: 'core-prod-ScanStack-1N2E3S4T5E6D',
  region: 'eu-central-1',
  uuid: '0a1b2c3d-1111-11ef-8c2a-0a1b2c3d4e5f',
};
export const ENI_REASON =
  'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.';

/** What the root's WARNING names as stuck in {@link nestedDeletionEvents}, as the replay's JSON has it. */
export const NESTED_DELETION_STUCK = [
  {
    logicalResourceId: 'ScanStack',
    physicalResourceId: stackArn(NESTED),
    resourceType: 'AWS::CloudFormation::Stack',
    status: 'DELETE_IN_PROGRESS',
    statusReason: '',
    since: '2024-03-05T10:00:02Z',
  },
  {
    logicalResourceId: 'AnalysisFunction',
    physicalResourceId: 'core-prod-AnalysisFunction-9XyZ',
    resourceType: 'AWS::Lambda::Function',
    status: 'DELETE_IN_PROGRESS',
    statusReason: ENI_REASON,
    since: '2024-03-05T10:00:05Z',
    inNestedStack: NESTED.name,
  },
];

const day = (clock: string): string => `2024-03-05T${clock}Z`;

/** The deletion, in delivery order. */
export function nestedDeletionEvents(): unknown[] {
  const nested = { type: 'AWS::CloudFormation::Stack', physicalId: stackArn(NESTED) };
  return [
    stackEvent(ROOT, day('10:00:00'), 'DELETE_IN_PROGRESS', 'User Initiated'),
    stackEvent(NESTED, day('10:00:03'), 'DELETE_IN_PROGRESS'),
    resourceEvent(ROOT, day('10:00:02'), 'ScanStack', 'DELETE_IN_PROGRESS', nested),
    resourceEvent(NESTED, day('10:00:05'), 'ScanQueue', 'DELETE_IN_PROGRESS', {
      type: 'AWS::SQS::Queue',
      physicalId: 'https://sqs.eu-central-1.amazonaws.com/123456789012/scan',
    }),
    resourceEvent(NESTED, day('10:00:05'), 'AnalysisFunction', 'DELETE_IN_PROGRESS', {
      physicalId: 'core-prod-AnalysisFunction-9XyZ',
    }),
    resourceEvent(NESTED, day('10:00:09'), 'ScanQueue', 'DELETE_COMPLETE', {
      type: 'AWS::SQS::Queue',
      physicalId: 'https://sqs.eu-central-1.amazonaws.com/123456789012/scan',
    }),
    resourceEvent(NESTED, day('10:00:10'), 'AnalysisFunction', 'DELETE_IN_PROGRESS', {
      physicalId: 'core-prod-AnalysisFunction-9XyZ',
      reason: ENI_REASON,
    }),
    resourceEvent(NESTED, day('10:38:00'), 'AnalysisFunction', 'DELETE_COMPLETE', {
      physicalId: 'core-prod-AnalysisFunction-9XyZ',
    }),
    stackEvent(NESTED, day('10:38:05'), 'DELETE_COMPLETE'),
    resourceEvent(ROOT, day('10:38:06'), 'ScanStack', 'DELETE_COMPLETE', nested),
    stackEvent(ROOT, day('10:38:10'), 'DELETE_COMPLETE'),
  ];
}
