/**
 * Why a deployment is stuck or failed, when it is one of the cases the field knows well: a small
 * table of causes, each with how long such cases usually take, what to do next, and the public
 * source it comes from. Matching is data (resource types, statuses, reason patterns), so a new
 * entry is a new row, not new code.
 */
import { resourceName, type ResourceInProgress } from './resources.ts';

/** What an alert knows when it is built: the stack's status and the resources still in progress. */
export interface Situation {
  readonly stackName: string;
  readonly region: string;
  readonly stackStatus: string;
  readonly stackStatusReason: string;
  readonly resources: readonly ResourceInProgress[];
}

/** A row of the table: when it applies, and what it says. `{stack}`, `{region}` and `{resource}` are filled in. */
export interface KnownCause {
  readonly id: string;
  /** A resource in progress of one of these types (a `*` suffix matches a prefix)… */
  readonly resourceTypes?: readonly string[];
  /** …in one of these statuses (any in-progress status when absent)… */
  readonly resourceStatuses?: readonly string[];
  /** …or any resource or the stack whose status reason matches this. */
  readonly reason?: RegExp;
  /** Or the stack in one of these statuses. */
  readonly stackStatuses?: readonly string[];
  readonly cause: string;
  readonly typically: string;
  readonly nextSteps: readonly string[];
  readonly source: string;
  /**
   * Slow, but it usually finishes: with heads-ups on, its first resource event in an operation
   * sends an INFO ({@link headsUpFor}) that this names. `{match}` in its texts is what `reason`'s
   * first group caught.
   */
  readonly headsUp?: string;
}

/** A cause that applies, its text filled in for the stack (and the resource that matched). */
export interface Diagnosis {
  readonly id: string;
  /** For a heads-up cause, what its INFO is about (the subject names it). */
  readonly headsUp?: string | undefined;
  readonly resource: string | null;
  readonly cause: string;
  readonly typically: string;
  readonly nextSteps: readonly string[];
  readonly source: string;
}

export const KNOWN_CAUSES: readonly KnownCause[] = [
  {
    id: 'lambda-vpc-eni-cleanup',
    headsUp: "Lambda releasing the VPC function's network interfaces",
    // CloudFormation's own words: a function deleting slowly for another reason is not this case.
    reason: /waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up/i,
    cause:
      'The Lambda function {resource} runs in a VPC: CloudFormation waits until Lambda has deleted its network ' +
      'interfaces (Hyperplane ENIs), which Lambda does only some time after the function is gone.',
    typically:
      'Lambda documents up to 20 minutes; 20 to 45 minutes is commonly reported, and now and then it never ' +
      'finishes by itself',
    nextSteps: [
      "Wait, and do not delete the function's execution role (or its security group and subnets) meanwhile: Lambda " +
        "deletes the interfaces with that role's permissions, and cannot without it.",
      'See what is left: aws ec2 describe-network-interfaces --region {region} --filters ' +
        'Name=interface-type,Values=lambda --query "NetworkInterfaces[].[NetworkInterfaceId,Status,Description]"',
      'Deploying a replacement meanwhile? Give its resources new names (queues, buckets, log groups): the old ' +
        'stack holds its names until its deletion ends.',
      'Past an hour with the interfaces still in use: open an AWS Support case for them.',
    ],
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html',
  },
  {
    id: 'custom-resource-no-response',
    resourceTypes: ['AWS::CloudFormation::CustomResource', 'Custom::*'],
    cause:
      'The custom resource {resource} has not answered: CloudFormation waits until its provider PUTs SUCCESS or ' +
      "FAILED to the request's pre-signed ResponseURL, and fails the operation when the ServiceTimeout runs out.",
    typically: 'until its ServiceTimeout: 1 to 3600 seconds, one hour by default',
    nextSteps: [
      "Read the provider function's logs (CloudWatch Logs) for the request of {resource}: an exception before the " +
        'response was sent leaves CloudFormation waiting.',
      "Answer for it: PUT a SUCCESS (or FAILED) response with the request's RequestId to its ResponseURL, both in " +
        'the logged request, and the stack goes on.',
      'Next time: set ServiceTimeout on the custom resource so that a lost answer fails in minutes, not an hour.',
    ],
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html',
  },
  {
    id: 'acm-dns-validation',
    headsUp: 'ACM waiting for its DNS validation record',
    // CloudFormation's words when ACM waits for DNS validation (only certificates say it): the record.
    reason: /Content of DNS Record is: \{Name: ?([^,}]+?)\.?,\s*Type: ?CNAME/i,
    cause:
      'ACM is waiting for the DNS validation record of the certificate {resource}: the CNAME {match} must exist ' +
      'in the public DNS zone of its domain before the certificate is issued.',
    typically:
      'minutes once the record exists (Route 53 in this account: ACM can add it); without it the create fails ' +
      'after 72 hours',
    nextSteps: [
      'Add the CNAME {match} with the value ACM shows (aws acm describe-certificate --region {region} ' +
        '--certificate-arn ARN --query "Certificate.DomainValidationOptions[].ResourceRecord"), or use ' +
        'DomainValidationOptions with a HostedZoneId so that CloudFormation adds it.',
    ],
    source: 'https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html',
  },
  {
    id: 'ecs-service-not-stabilizing',
    headsUp: 'ECS service stabilising',
    resourceTypes: ['AWS::ECS::Service'],
    resourceStatuses: ['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS'],
    cause:
      'The ECS service {resource} has not stabilised: CloudFormation waits until the desired number of tasks run ' +
      '(and pass their health checks).',
    typically:
      'minutes when the tasks start; when they do not, CloudFormation keeps waiting for hours (about three is ' +
      'commonly reported) before it gives up',
    nextSteps: [
      "Read the service's events: aws ecs describe-services --region {region} --cluster CLUSTER --services " +
        'SERVICE --query "services[].events[:5]"',
      'Find its stopped tasks and their stoppedReason: an image that cannot be pulled, a failing health check, a ' +
        'missing secret or permission.',
      'Turn on the deployment circuit breaker with rollback (DeploymentConfiguration.DeploymentCircuitBreaker), so ' +
        'that such a deployment fails and rolls back by itself.',
    ],
    source: 'https://repost.aws/knowledge-center/ecs-service-stuck-update-status',
  },
  {
    id: 'update-rollback-failed',
    stackStatuses: ['UPDATE_ROLLBACK_FAILED'],
    cause:
      'The rollback of the update failed: the stack {stack} can be neither updated nor rolled back until the ' +
      'rollback is continued.',
    typically: 'stays so until someone acts',
    nextSteps: [
      "Fix what made the rollback fail (the FAILED resources' status reasons), then: aws cloudformation " +
        'continue-update-rollback --region {region} --stack-name {stack}',
      'If a resource cannot be rolled back, skip it: aws cloudformation continue-update-rollback --region {region} ' +
        '--stack-name {stack} --resources-to-skip LOGICAL_ID',
    ],
    source:
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-continueupdaterollb' +
      'ack.html',
  },
];

const typeMatches = (patterns: readonly string[], type: string): boolean =>
  patterns.some((pattern) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern));

function matchingResource(entry: KnownCause, situation: Situation): ResourceInProgress | undefined {
  return situation.resources.find(
    (resource) =>
      (entry.resourceTypes !== undefined &&
        typeMatches(entry.resourceTypes, resource.resourceType) &&
        (entry.resourceStatuses === undefined || entry.resourceStatuses.includes(resource.status))) ||
      (entry.reason?.test(resource.statusReason) ?? false),
  );
}

function filled(text: string, situation: Situation, resource: string | null, match: string | null = null): string {
  return text
    .replaceAll('{stack}', situation.stackName)
    .replaceAll('{region}', situation.region)
    .replaceAll('{resource}', resource ?? 'the resource')
    .replaceAll('{match}', match ?? 'it names');
}

/**
 * The known causes that apply, in the table's order, each once.
 *
 * @example
 * diagnose({ stackName: 'core', region: 'eu-central-1', stackStatus: 'DELETE_IN_PROGRESS', stackStatusReason: '',
 * resources: [fnDeleting] })
 *   .map((d) => d.id); // ['lambda-vpc-eni-cleanup']
 */
export function diagnose(situation: Situation): Diagnosis[] {
  return KNOWN_CAUSES.flatMap((entry): Diagnosis[] => {
    const resource = matchingResource(entry, situation);
    const byStack =
      (entry.stackStatuses?.includes(situation.stackStatus) ?? false) ||
      (entry.reason?.test(situation.stackStatusReason) ?? false);
    if (!resource && !byStack) return [];
    const name = resource ? resourceName(resource) : null;
    const match = (resource && entry.reason?.exec(resource.statusReason)?.[1]) || null;
    return [
      {
        id: entry.id,
        ...(entry.headsUp === undefined ? {} : { headsUp: entry.headsUp }),
        resource: name,
        cause: filled(entry.cause, situation, name, match),
        typically: entry.typically,
        nextSteps: entry.nextSteps.map((step) => filled(step, situation, name, match)),
        source: entry.source,
      },
    ];
  });
}

/**
 * The heads-up a resource event begins, if it is one of the slow causes that usually finish
 * (Lambda's VPC network interfaces, an ECS service stabilising, ACM waiting for its DNS record):
 * what the INFO says; `null` for any other event.
 *
 * @example
 * headsUpFor({ stackName, region, stackStatus: '', stackStatusReason: '', resources: [eniWait] })?.id;
 * // 'lambda-vpc-eni-cleanup'
 */
export function headsUpFor(situation: Situation): Diagnosis | null {
  return diagnose({ ...situation, stackStatus: '', stackStatusReason: '' }).find((d) => d.headsUp) ?? null;
}
