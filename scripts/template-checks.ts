/**
 * The checks a security review applies to a CloudFormation template (the ones cfn_nag and
 * checkov make for what this project deploys), as code the tests run on every template and on
 * SAM's output of it: wildcards in IAM, encryption with keys of the stack's own, key rotation and
 * the services a key must let in, retention, dead letters, Lambda permissions scoped to their
 * source, and postmortem data that outlives its stack. Each exemption is data, with its reason.
 */
import type { CfnResource, CfnTemplate } from './cfn-template.ts';

export const Rule = {
  WILDCARD_ACTION: 'iam-wildcard-action',
  WILDCARD_RESOURCE: 'iam-wildcard-resource',
  WILDCARD_PRINCIPAL: 'iam-wildcard-principal',
  MANAGED_POLICY: 'iam-managed-policy',
  TABLE_RECOVERY: 'dynamodb-point-in-time-recovery',
  TABLE_KEY: 'dynamodb-customer-managed-key',
  TABLE_RETAINED: 'dynamodb-retain',
  TABLE_KEY_RETAINED: 'dynamodb-key-retain',
  TOPIC_KEY: 'sns-customer-managed-key',
  QUEUE_KEY: 'sqs-customer-managed-key',
  KEY_ROTATION: 'kms-key-rotation',
  KEY_SERVICE_ACCESS: 'kms-key-lets-publishers-in',
  LOG_RETENTION: 'logs-retention',
  FUNCTION_LOG_GROUP: 'lambda-own-log-group',
  DEAD_LETTERS: 'lambda-dead-letters',
  PERMISSION_SOURCE: 'lambda-permission-source-arn',
} as const;
export type Rule = (typeof Rule)[keyof typeof Rule];

export interface Finding {
  readonly rule: Rule;
  /** The logical id of the resource at fault. */
  readonly resource: string;
  readonly message: string;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Both branches of an `Fn::If`, without `AWS::NoValue`: a conditional part must pass either way. */
export function branches(value: unknown): unknown[] {
  const condition = isRecord(value) ? value['Fn::If'] : undefined;
  if (!Array.isArray(condition)) return [value];
  return condition
    .slice(1)
    .flatMap(branches)
    .filter((branch) => !(isRecord(branch) && branch.Ref === 'AWS::NoValue'));
}

/** The logical id a `Ref` or `Fn::GetAtt` names, if it names one. */
function referenced(value: unknown): string | null {
  if (!isRecord(value)) return null;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return null;
}

export interface Statement {
  readonly where: string;
  /** A key policy: its Resource "*" means the key itself, the form KMS requires. */
  readonly keyPolicy: boolean;
  readonly statement: Json;
}

function statementsOf(document: unknown, where: string, keyPolicy = false): Statement[] {
  return branches(document).flatMap((doc) =>
    isRecord(doc)
      ? list(doc.Statement)
          .flatMap(branches)
          .filter(isRecord)
          .map((statement) => ({ where, keyPolicy, statement }))
      : [],
  );
}

/**
 * Every IAM policy statement: functions' inline policies, roles and policies, resource and key policies.
 *
 * @example
 * policyStatements(template.Resources).filter(({ where }) => where === 'SweeperFunction');
 */
export function policyStatements(resources: Record<string, CfnResource>): Statement[] {
  return Object.entries(resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    const found: Statement[] = [];
    if (resource.Type === 'AWS::Serverless::Function') {
      for (const policy of list(properties.Policies).flatMap(branches)) found.push(...statementsOf(policy, id));
    }
    for (const policy of list(properties.Policies).flatMap(branches))
      if (isRecord(policy)) found.push(...statementsOf(policy.PolicyDocument, id));
    found.push(...statementsOf(properties.PolicyDocument, id));
    if (resource.Type === 'AWS::KMS::Key') found.push(...statementsOf(properties.KeyPolicy, id, true));
    if (resource.Type === 'AWS::Events::EventBus') found.push(...statementsOf(properties.Policy, id));
    if (resource.Type === 'AWS::Events::EventBusPolicy' && isRecord(properties.Statement))
      found.push({ where: id, keyPolicy: false, statement: properties.Statement });
    return found;
  });
}

const actionsOf = (statement: Json): string[] => list(statement.Action).map(String);

/** Wildcards in actions that name one API family, and why they are needed. */
export const ACTION_WILDCARDS_ALLOWED: Readonly<Record<string, string>> = {
  'kms:GenerateDataKey*':
    'SNS and SQS call GenerateDataKey or GenerateDataKeyWithoutPlaintext on the key, depending on the caller',
};

/**
 * Actions that name no resource a policy could narrow them to, and why `Resource: "*"` is theirs:
 * a statement with one of them alone may have it.
 */
export const RESOURCE_WILDCARDS_ALLOWED: Readonly<Record<string, string>> = {
  'ssm:CreateOpsItem':
    "an OpsItem has no ARN before it exists; AWS's own OpsCenter roles (OpsItem-CWE-Role, " +
    'AWSSSMOpsInsightsServiceRolePolicy) grant it on "*" while they narrow the actions on existing OpsItems',
};

/** AWS managed policies a role may carry, and why. */
export const MANAGED_POLICIES_ALLOWED: Readonly<Record<string, string>> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole':
    'SAM attaches it to every role it makes; its logs actions on "*" are AWS-managed, and the functions log to ' +
    'their own groups (LoggingConfig)',
};

/** The account's own root: `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`, as a key delegates to IAM. */
function isOwnRoot(principal: unknown): boolean {
  const aws = isRecord(principal) ? principal.AWS : undefined;
  const sub = isRecord(aws) ? aws['Fn::Sub'] : undefined;
  return typeof sub === 'string' && /^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:root$/.test(sub);
}

/** `Principal: "*"` is open to anyone unless a condition narrows it to the organisation or an account. */
function isOpenPrincipal(statement: Json): boolean {
  const principal = statement.Principal;
  const open = principal === '*' || (isRecord(principal) && list(principal.AWS).includes('*'));
  const narrowed =
    JSON.stringify(statement.Condition ?? {}).match(/aws:(PrincipalOrgID|SourceAccount|SourceArn|PrincipalAccount)/) !==
    null;
  return open && !narrowed;
}

function checkIam(resources: Record<string, CfnResource>): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    for (const arn of list(resource.Properties?.ManagedPolicyArns)) {
      const name = typeof arn === 'string' ? arn : JSON.stringify(arn);
      if (!(name in MANAGED_POLICIES_ALLOWED))
        findings.push({
          rule: Rule.MANAGED_POLICY,
          resource: id,
          message: `${id}: managed policy ${name} grants what this template does not show`,
        });
    }
    // SAM policy templates and managed policy names in a function's Policies.
    if (resource.Type === 'AWS::Serverless::Function') {
      for (const policy of list(resource.Properties?.Policies).flatMap(branches)) {
        if (typeof policy === 'string' || (isRecord(policy) && !('Statement' in policy))) {
          findings.push({
            rule: Rule.MANAGED_POLICY,
            resource: id,
            message: `${id}: policy ${JSON.stringify(policy)} is not an inline statement`,
          });
        }
      }
    }
  }
  for (const { where, keyPolicy, statement } of policyStatements(resources)) {
    if (statement.Effect !== 'Allow') continue;
    if (isOpenPrincipal(statement))
      findings.push({
        rule: Rule.WILDCARD_PRINCIPAL,
        resource: where,
        message: `${where}: Principal '*' without a condition that narrows it`,
      });
    for (const action of actionsOf(statement)) {
      const delegatesToIam = keyPolicy && action === 'kms:*' && isOwnRoot(statement.Principal);
      if (action.includes('*') && !delegatesToIam && !(action in ACTION_WILDCARDS_ALLOWED)) {
        findings.push({
          rule: Rule.WILDCARD_ACTION,
          resource: where,
          message: `${where}: Action '${action}' is a wildcard`,
        });
      }
    }
    if (statement.NotAction !== undefined)
      findings.push({
        rule: Rule.WILDCARD_ACTION,
        resource: where,
        message: `${where}: NotAction allows all but a list`,
      });
    const actions = actionsOf(statement);
    const namesNoResource = actions.length > 0 && actions.every((action) => action in RESOURCE_WILDCARDS_ALLOWED);
    for (const resource of list(statement.Resource)) {
      if (resource === '*' && !keyPolicy && !namesNoResource)
        findings.push({
          rule: Rule.WILDCARD_RESOURCE,
          resource: where,
          message: `${where}: Resource '*' for ${actionsOf(statement).join(', ')}`,
        });
    }
    if (statement.NotResource !== undefined)
      findings.push({
        rule: Rule.WILDCARD_RESOURCE,
        resource: where,
        message: `${where}: NotResource allows all but a list`,
      });
  }
  return findings;
}

/** A key this template creates, named by a `Ref`/`GetAtt` (an alias of AWS's own does not count). */
function ownKey(resources: Record<string, CfnResource>, value: unknown): string | null {
  const id = referenced(value);
  return id !== null && resources[id]?.Type === 'AWS::KMS::Key' ? id : null;
}

function checkEncryption(resources: Record<string, CfnResource>): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::DynamoDB::Table') {
      const recovery = properties.PointInTimeRecoverySpecification;
      if (!isRecord(recovery) || recovery.PointInTimeRecoveryEnabled !== true) {
        findings.push({
          rule: Rule.TABLE_RECOVERY,
          resource: id,
          message: `${id}: PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled must be true`,
        });
      }
      const sse = properties.SSESpecification;
      if (
        !isRecord(sse) ||
        sse.SSEEnabled !== true ||
        sse.SSEType !== 'KMS' ||
        ownKey(resources, sse.KMSMasterKeyId) === null
      ) {
        findings.push({
          rule: Rule.TABLE_KEY,
          resource: id,
          message:
            `${id}: SSESpecification must be SSEEnabled, SSEType KMS, with a KMSMasterKeyId of the stack's ` +
            `own key`,
        });
      }
      if (resource.DeletionPolicy !== 'Retain' || resource.UpdateReplacePolicy !== 'Retain') {
        findings.push({
          rule: Rule.TABLE_RETAINED,
          resource: id,
          message: `${id}: DeletionPolicy and UpdateReplacePolicy must be Retain (postmortem data outlives the stack)`,
        });
      }
      const key = isRecord(sse) ? ownKey(resources, sse.KMSMasterKeyId) : null;
      const keyResource = key === null ? undefined : resources[key];
      if (key !== null && (keyResource?.DeletionPolicy !== 'Retain' || keyResource.UpdateReplacePolicy !== 'Retain')) {
        findings.push({
          rule: Rule.TABLE_KEY_RETAINED,
          resource: key,
          message:
            `${key}: encrypts the retained table ${id}, so it must be retained too (a deleted key makes the ` +
            `table unreadable)`,
        });
      }
    }
    if (resource.Type === 'AWS::SNS::Topic' && ownKey(resources, properties.KmsMasterKeyId) === null) {
      findings.push({
        rule: Rule.TOPIC_KEY,
        resource: id,
        message:
          `${id}: KmsMasterKeyId must be a key of the stack's own (alias/aws/sns cannot let CloudWatch ` +
          `alarms publish)`,
      });
    }
    if (resource.Type === 'AWS::SQS::Queue' && ownKey(resources, properties.KmsMasterKeyId) === null) {
      findings.push({
        rule: Rule.QUEUE_KEY,
        resource: id,
        message:
          `${id}: KmsMasterKeyId must be a key of the stack's own (alias/aws/sqs cannot let EventBridge ` +
          `dead-letter into it; SSE-SQS is no customer managed key)`,
      });
    }
    if (resource.Type === 'AWS::KMS::Key' && properties.EnableKeyRotation !== true) {
      findings.push({ rule: Rule.KEY_ROTATION, resource: id, message: `${id}: EnableKeyRotation must be true` });
    }
  }
  return findings;
}

/** Whether key `keyId`'s policy lets `service` encrypt with it (what SNS and SQS call on its behalf). */
function keyLetsIn(resources: Record<string, CfnResource>, keyId: string, service: string): boolean {
  return statementsOf(resources[keyId]?.Properties?.KeyPolicy, keyId, true).some(({ statement }) => {
    const principal = isRecord(statement.Principal) ? list(statement.Principal.Service).map(String) : [];
    const actions = actionsOf(statement);
    return (
      statement.Effect === 'Allow' &&
      principal.includes(service) &&
      actions.includes('kms:Decrypt') &&
      actions.some((action) => action.startsWith('kms:GenerateDataKey'))
    );
  });
}

/**
 * What publishes into encrypted topics and queues must be let in by their key: CloudWatch alarms
 * (topics they notify), EventBridge (queues it dead-letters into) and the functions (topics they
 * publish to: kms:GenerateDataKey*, which SAM's KMSEncryptPolicy template lacks).
 */
function checkKeyAccess(resources: Record<string, CfnResource>): Finding[] {
  const findings: Finding[] = [];
  const keyOf = (logicalId: string | null): string | null => {
    const properties = logicalId === null ? undefined : resources[logicalId]?.Properties;
    return properties ? ownKey(resources, properties.KmsMasterKeyId) : null;
  };
  for (const [id, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      for (const topic of [...list(properties.AlarmActions), ...list(properties.OKActions)].map(referenced)) {
        const key = keyOf(topic);
        if (key && !keyLetsIn(resources, key, 'cloudwatch.amazonaws.com')) {
          findings.push({
            rule: Rule.KEY_SERVICE_ACCESS,
            resource: key,
            message:
              `${key}: alarm ${id} notifies ${topic}, but the key does not let cloudwatch.amazonaws.com ` +
              `Decrypt and GenerateDataKey*`,
          });
        }
      }
    }
    for (const queue of deadLetterQueues(resource).map(referenced)) {
      const key = keyOf(queue);
      if (key && !keyLetsIn(resources, key, 'events.amazonaws.com')) {
        findings.push({
          rule: Rule.KEY_SERVICE_ACCESS,
          resource: key,
          message:
            `${key}: EventBridge dead-letters ${id}'s events into ${queue}, but the key does not let ` +
            `events.amazonaws.com Decrypt and GenerateDataKey*`,
        });
      }
    }
  }
  const statements = policyStatements(resources);
  for (const { where, statement } of statements) {
    if (!actionsOf(statement).includes('sns:Publish')) continue;
    for (const topic of list(statement.Resource).map(referenced)) {
      const key = keyOf(topic);
      if (!key) continue;
      const mayEncrypt = statements.some(
        (other) =>
          other.where === where &&
          actionsOf(other.statement).some((action) => action.startsWith('kms:GenerateDataKey')) &&
          list(other.statement.Resource).some((r) => referenced(r) === key),
      );
      if (!mayEncrypt)
        findings.push({
          rule: Rule.KEY_SERVICE_ACCESS,
          resource: where,
          message: `${where}: publishes to ${topic}, encrypted by ${key}, without kms:GenerateDataKey* on that key`,
        });
    }
  }
  return findings;
}

/** The queues a resource's EventBridge targets dead-letter into (plain rules and SAM's EventBridgeRule events). */
function deadLetterQueues(resource: CfnResource): unknown[] {
  const properties = resource.Properties ?? {};
  if (resource.Type === 'AWS::Events::Rule')
    return list(properties.Targets)
      .filter(isRecord)
      .map((target) => (isRecord(target.DeadLetterConfig) ? target.DeadLetterConfig.Arn : undefined))
      .filter((arn) => arn !== undefined);
  if (resource.Type === 'AWS::Serverless::Function' && isRecord(properties.Events)) {
    return Object.values(properties.Events)
      .filter(isRecord)
      .flatMap((event) =>
        isRecord(event.Properties) && isRecord(event.Properties.DeadLetterConfig)
          ? [event.Properties.DeadLetterConfig.Arn]
          : [],
      );
  }
  return [];
}

/** Functions whose failures need nowhere to go, and why. */
export const DEAD_LETTER_EXEMPT: Readonly<Record<string, string>> = {
  SweeperFunction:
    'runs every minute on a schedule and keeps no event: a failed sweep is redone by the next one, and its alarms ' +
    'say when sweeps fail',
  SelfCheckFunction:
    'runs on a schedule and keeps no event: its Errors alarm (to the ops topic) says it failed, and the next one ' +
    'checks again',
};

function checkFunctions(resources: Record<string, CfnResource>, globals: Json): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    if (
      resource.Type === 'AWS::Logs::LogGroup' &&
      typeof properties.RetentionInDays !== 'number' &&
      referenced(properties.RetentionInDays) === null
    ) {
      findings.push({
        rule: Rule.LOG_RETENTION,
        resource: id,
        message: `${id}: RetentionInDays must be set (logs are kept forever otherwise)`,
      });
    }
    if (resource.Type !== 'AWS::Serverless::Function' && resource.Type !== 'AWS::Lambda::Function') continue;
    const loggingConfig = properties.LoggingConfig ?? globals.LoggingConfig;
    const logGroup = isRecord(loggingConfig) ? referenced(loggingConfig.LogGroup) : null;
    if (logGroup === null || resources[logGroup]?.Type !== 'AWS::Logs::LogGroup') {
      findings.push({
        rule: Rule.FUNCTION_LOG_GROUP,
        resource: id,
        message: `${id}: LoggingConfig.LogGroup must name a log group of the template (Lambda's own has no retention)`,
      });
    }
    if (resource.Type === 'AWS::Serverless::Function' && !(id in DEAD_LETTER_EXEMPT)) {
      const invokeConfig = properties.EventInvokeConfig;
      const onFailure =
        isRecord(invokeConfig) &&
        isRecord(invokeConfig.DestinationConfig) &&
        isRecord(invokeConfig.DestinationConfig.OnFailure);
      if (!onFailure && properties.DeadLetterQueue === undefined) {
        findings.push({
          rule: Rule.DEAD_LETTERS,
          resource: id,
          message: `${id}: EventInvokeConfig.DestinationConfig.OnFailure (or DeadLetterQueue) must keep what fails`,
        });
      }
      const events = isRecord(properties.Events)
        ? Object.entries(properties.Events).filter(([, event]) => isRecord(event) && event.Type === 'EventBridgeRule')
        : [];
      for (const [name, event] of events) {
        if (!(isRecord(event) && isRecord(event.Properties) && isRecord(event.Properties.DeadLetterConfig))) {
          findings.push({
            rule: Rule.DEAD_LETTERS,
            resource: id,
            message: `${id}: event ${name} needs a DeadLetterConfig (what EventBridge cannot deliver)`,
          });
        }
      }
    }
  }
  // As SAM deploys it: what a rule invokes asynchronously keeps its failures (EventInvokeConfig).
  const keepsFailures = new Set(
    Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig')
      .filter((resource) => JSON.stringify(resource.Properties?.DestinationConfig ?? {}).includes('OnFailure'))
      .map((resource) => referenced(resource.Properties?.FunctionName)),
  );
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    for (const target of list(resource.Properties?.Targets).filter(isRecord)) {
      const function_ = referenced(target.Arn);
      const type = function_ === null ? undefined : resources[function_]?.Type;
      if (
        function_ === null ||
        (type !== 'AWS::Serverless::Function' && type !== 'AWS::Lambda::Function') ||
        function_ in DEAD_LETTER_EXEMPT
      )
        continue;
      if (!isRecord(target.DeadLetterConfig)) {
        findings.push({
          rule: Rule.DEAD_LETTERS,
          resource: id,
          message: `${id}: target ${String(target.Id)} (${function_}) needs a DeadLetterConfig`,
        });
      }
      const hasProperties = resources[function_]?.Properties ?? {};
      const onFailure =
        type === 'AWS::Lambda::Function'
          ? keepsFailures.has(function_)
          : isRecord(hasProperties.EventInvokeConfig) || hasProperties.DeadLetterQueue !== undefined;
      if (!onFailure)
        findings.push({
          rule: Rule.DEAD_LETTERS,
          resource: function_,
          message: `${function_}: invoked by ${id}, it needs an EventInvokeConfig OnFailure destination`,
        });
    }
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::Lambda::Permission' && resource.Properties?.SourceArn === undefined) {
      findings.push({
        rule: Rule.PERMISSION_SOURCE,
        resource: id,
        message:
          `${id}: a Lambda permission without SourceArn lets any ${String(resource.Properties?.Principal)} ` +
          `resource invoke the function`,
      });
    }
  }
  return findings;
}

/**
 * Every finding of a template (as written, or as SAM transformed it).
 *
 * @example
 * securityFindings(readTemplate('template.yaml')); // [] when a reviewer can sign it off
 */
export function securityFindings(template: CfnTemplate): Finding[] {
  const resources = template.Resources;
  const globals = isRecord(template.Globals?.Function) ? template.Globals.Function : {};
  return [
    ...checkIam(resources),
    ...checkEncryption(resources),
    ...checkKeyAccess(resources),
    ...checkFunctions(resources, globals),
  ];
}
