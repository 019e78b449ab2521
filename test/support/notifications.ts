/**
 * The seed incident's CRITICAL for the deletion that hung, as a notification, for the tests of
 * what adapters make of notifications.
 */
import type { Notification } from '../../shared/domain/notification.ts';

export const CORE_ARN =
  'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-core-prod/091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5';

export function notification(overrides: Partial<Notification> = {}): Notification {
  const startedAt = overrides.startedAt ?? Date.parse('2021-09-21T19:09:00Z');
  return {
    at: Date.parse('2021-09-21T19:49:00Z'),
    severity: 'CRITICAL',
    reminder: 0,
    stackId: CORE_ARN,
    stackName: 'trustsource-core-prod',
    account: '123456789012',
    region: 'eu-central-1',
    service: 'trustsource-core',
    operation: 'DELETE',
    status: 'DELETE_IN_PROGRESS',
    statusReason: 'User Initiated',
    statusAt: Date.parse('2021-09-21T19:09:00Z'),
    startedAt,
    // Unless a test says otherwise, the start its first claim named.
    incidentStart: startedAt,
    elapsedMs: 40 * 60_000,
    resourcesInProgress: [
      {
        logicalResourceId: 'ScanAnalysisFunction',
        physicalResourceId: 'trustsource-core-prod-ScanAnalysisFunction-1A2B3C4D5E6F',
        resourceType: 'AWS::Lambda::Function',
        status: 'DELETE_IN_PROGRESS',
        statusReason:
          'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
        since: Date.parse('2021-09-21T19:09:22Z'),
      },
    ],
    diagnosis: [],
    blockedBy: null,
    ...overrides,
  };
}
