import { describe, expect, it } from 'vitest';
import { diagnose, KNOWN_CAUSES, type Situation } from '../../shared/domain/known-causes.ts';
import type { ResourceInProgress } from '../../shared/domain/resources.ts';

const WAITING = 'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.';

function resource(
  logicalResourceId: string,
  resourceType: string,
  status: string,
  statusReason = '',
): ResourceInProgress {
  return {
    logicalResourceId,
    physicalResourceId: `${logicalResourceId}-1A2B`,
    resourceType,
    status,
    statusReason,
    since: 0,
  };
}

function situation(stackStatus: string, resources: ResourceInProgress[] = [], stackStatusReason = ''): Situation {
  return { stackName: 'trustsource-core-prod', region: 'eu-central-1', stackStatus, stackStatusReason, resources };
}

describe('diagnose', () => {
  it.each([
    [
      'a VPC function deleting in a stack deletion',
      situation('DELETE_IN_PROGRESS', [
        resource('ScanAnalysisFunction', 'AWS::Lambda::Function', 'DELETE_IN_PROGRESS', WAITING),
      ]),
      ['lambda-vpc-eni-cleanup'],
    ],
    [
      "a VPC function deleting in an update's cleanup",
      situation('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', [
        resource('OldFunction', 'AWS::Lambda::Function', 'DELETE_IN_PROGRESS', WAITING),
      ]),
      ['lambda-vpc-eni-cleanup'],
    ],
    [
      "a function deleting without CloudFormation's ENI words (not known to be the VPC case)",
      situation('DELETE_IN_PROGRESS', [resource('Fn', 'AWS::Lambda::Function', 'DELETE_IN_PROGRESS')]),
      [],
    ],
    [
      "CloudFormation's ENI reason on any resource",
      situation('DELETE_IN_PROGRESS', [resource('Fn', 'AWS::Serverless::Function', 'DELETE_IN_PROGRESS', WAITING)]),
      ['lambda-vpc-eni-cleanup'],
    ],
    [
      'a custom resource of a Custom:: type',
      situation('CREATE_IN_PROGRESS', [resource('Seed', 'Custom::DatabaseSeed', 'CREATE_IN_PROGRESS')]),
      ['custom-resource-no-response'],
    ],
    [
      'an AWS::CloudFormation::CustomResource',
      situation('UPDATE_IN_PROGRESS', [resource('Seed', 'AWS::CloudFormation::CustomResource', 'UPDATE_IN_PROGRESS')]),
      ['custom-resource-no-response'],
    ],
    [
      'an ECS service updating',
      situation('UPDATE_IN_PROGRESS', [resource('Api', 'AWS::ECS::Service', 'UPDATE_IN_PROGRESS')]),
      ['ecs-service-not-stabilizing'],
    ],
    ['a stack in UPDATE_ROLLBACK_FAILED', situation('UPDATE_ROLLBACK_FAILED'), ['update-rollback-failed']],
    [
      'a function being created (not the ENI case)',
      situation('CREATE_IN_PROGRESS', [resource('Fn', 'AWS::Lambda::Function', 'CREATE_IN_PROGRESS')]),
      [],
    ],
    [
      'an ECS service deleting (not stabilisation)',
      situation('DELETE_IN_PROGRESS', [resource('Api', 'AWS::ECS::Service', 'DELETE_IN_PROGRESS')]),
      [],
    ],
    [
      'nothing known',
      situation('UPDATE_IN_PROGRESS', [resource('Queue', 'AWS::SQS::Queue', 'UPDATE_IN_PROGRESS')]),
      [],
    ],
    [
      "two causes at once, in the table's order",
      situation('UPDATE_IN_PROGRESS', [
        resource('Api', 'AWS::ECS::Service', 'UPDATE_IN_PROGRESS'),
        resource('Seed', 'Custom::Seed', 'UPDATE_IN_PROGRESS'),
      ]),
      ['custom-resource-no-response', 'ecs-service-not-stabilizing'],
    ],
  ])('recognises %s', (_case, given, ids) => {
    // Act
    const found = diagnose(given);

    // Assess
    expect(found.map((diagnosis) => diagnosis.id)).toEqual(ids);
  });

  it('names the resource, the stack and the region in what it says', () => {
    // Act
    const [eni] = diagnose(
      situation('DELETE_IN_PROGRESS', [
        resource('ScanAnalysisFunction', 'AWS::Lambda::Function', 'DELETE_IN_PROGRESS', WAITING),
      ]),
    );
    const [rollback] = diagnose(situation('UPDATE_ROLLBACK_FAILED'));

    // Assess
    expect(eni?.resource).toBe('ScanAnalysisFunction');
    expect(eni?.cause).toContain('The Lambda function ScanAnalysisFunction runs in a VPC');
    expect(eni?.nextSteps[0]).toContain("do not delete the function's execution role");
    expect(eni?.nextSteps[1]).toContain('--region eu-central-1');
    expect(rollback?.resource).toBeNull();
    expect(rollback?.nextSteps[0]).toContain(
      'aws cloudformation continue-update-rollback --region eu-central-1 --stack-name trustsource-core-prod',
    );
    expect(
      [eni, rollback].every(
        (found) => found !== undefined && !/\{(stack|region|resource)\}/.test(JSON.stringify(found)),
      ),
    ).toBe(true);
  });

  it.each(KNOWN_CAUSES.map((entry) => [entry.id, entry] as const))(
    'gives %s a public https source, a typical duration and next steps',
    (_id, entry) => {
      expect(entry.source).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|repost\.aws)\//);
      expect(entry.typically.length).toBeGreaterThan(10);
      expect(entry.nextSteps.length).toBeGreaterThan(0);
    },
  );
});

describe('diagnose, for a resource inside a nested stack', () => {
  it('names the resource with the nested stack that holds it', () => {
    // Prepare
    const inside = {
      ...resource('AnalysisFunction', 'AWS::Lambda::Function', 'DELETE_IN_PROGRESS', WAITING),
      inNestedStack: 'core-prod-ScanStack-1AB',
    };

    // Act
    const [found] = diagnose(
      situation('DELETE_IN_PROGRESS', [
        resource('ScanStack', 'AWS::CloudFormation::Stack', 'DELETE_IN_PROGRESS'),
        inside,
      ]),
    );

    // Assess
    expect(found?.resource).toBe('AnalysisFunction in nested stack core-prod-ScanStack-1AB');
    expect(found?.cause).toContain(
      'The Lambda function AnalysisFunction in nested stack core-prod-ScanStack-1AB runs in a VPC',
    );
  });
});
