/**
 * Just enough of IAM's evaluation of a resource-based policy to ask "may this principal put these
 * events on this bus?" of a template as CloudFormation would deploy it, without an AWS account:
 * the template's intrinsics resolved for one set of parameters, then the statements evaluated as
 * IAM does (an explicit Deny wins; within the bus's account an identity policy alone may allow;
 * from another account the resource policy must allow too). The caller is assumed to hold an
 * identity policy allowing the action on "*": the worst case a bus policy must hold against.
 *
 * A condition operator or an intrinsic it does not know is an error, never a guess: a policy it
 * cannot read must fail the test that asks.
 */
import type { CfnTemplate } from '../../scripts/cfn-template.ts';

export interface Deployment {
  readonly template: CfnTemplate;
  readonly stackName: string;
  readonly accountId: string;
  readonly region: string;
  readonly parameters: Readonly<Record<string, string>>;
}

export interface PutEventsRequest {
  /** The role (or user) ARN the call is made with: `aws:PrincipalArn`. */
  readonly principalArn: string;
  /** The principal's organisation: `aws:PrincipalOrgID`. */
  readonly principalOrgId: string;
  /** The `source` of each entry: `events:source`, a multivalued key. */
  readonly sources: readonly string[];
  readonly action: string;
  readonly resourceArn: string;
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The ARN CloudFormation gives a resource of the template, for `Fn::GetAtt X.Arn`. */
function arnOf(deployment: Deployment, logicalId: string): string {
  const { template, accountId, region } = deployment;
  const resource = template.Resources[logicalId];
  // SAM makes a role per function, `<Function>Role`, under the Globals' RolePath.
  const samRole = logicalId.endsWith('Role') ? template.Resources[logicalId.slice(0, -'Role'.length)] : undefined;
  if (samRole?.Type === 'AWS::Serverless::Function') {
    const path = String((template.Globals?.Function as Json | undefined)?.RolePath ?? '/');
    return `arn:aws:iam::${accountId}:role${path}${deployment.stackName}-${logicalId}-GENERATED`;
  }
  if (resource?.Type === 'AWS::Events::EventBus') {
    return `arn:aws:events:${region}:${accountId}:event-bus/${String(resolve(deployment, resource.Properties?.Name))}`;
  }
  throw new Error(`resource-policy: no ARN known for ${logicalId} (${resource?.Type ?? 'not in the template'})`);
}

function pseudo(deployment: Deployment, name: string): string {
  const values: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': deployment.region,
    'AWS::AccountId': deployment.accountId,
    'AWS::StackName': deployment.stackName,
  };
  const value = values[name] ?? deployment.parameters[name] ?? deployment.template.Parameters?.[name]?.Default;
  if (value !== undefined) return String(value);
  const resource = deployment.template.Resources[name];
  if (resource?.Type === 'AWS::Events::EventBus') return String(resolve(deployment, resource.Properties?.Name));
  throw new Error(`resource-policy: cannot resolve Ref ${name}`);
}

/** Whether the template's condition `name` holds for the deployment's parameters. */
export function condition(deployment: Deployment, name: string): boolean {
  const body = deployment.template.Conditions?.[name];
  if (!isRecord(body)) throw new Error(`resource-policy: no condition ${name}`);
  return Boolean(resolve(deployment, body));
}

const NO_VALUE = Symbol('AWS::NoValue');

/** The value CloudFormation would deploy; lists drop `AWS::NoValue` entries. */
export function resolve(deployment: Deployment, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(deployment, item)).filter((item) => item !== NO_VALUE);
  if (!isRecord(value)) return value;
  const [key, argument] = Object.entries(value)[0] ?? [];
  if (key === 'Ref') return argument === 'AWS::NoValue' ? NO_VALUE : pseudo(deployment, String(argument));
  if (key === 'Fn::Sub') {
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Json]);
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      name in variables
        ? String(resolve(deployment, variables[name]))
        : name.includes('.')
          ? arnOf(deployment, name.split('.')[0] ?? '')
          : pseudo(deployment, name),
    );
  }
  if (key === 'Fn::GetAtt') {
    const [id, attribute] = argument as [string, string];
    if (attribute !== 'Arn') throw new Error(`resource-policy: GetAtt ${id}.${attribute} is not known`);
    return arnOf(deployment, id);
  }
  if (key === 'Fn::If') {
    const [name, then, otherwise] = argument as [string, unknown, unknown];
    return resolve(deployment, condition(deployment, name) ? then : otherwise);
  }
  if (key === 'Fn::Equals') {
    const [left, right] = argument as [unknown, unknown];
    return resolve(deployment, left) === resolve(deployment, right);
  }
  if (key === 'Fn::Not') return !(resolve(deployment, (argument as unknown[])[0]) as boolean);
  if (key === 'Fn::And') return (argument as unknown[]).every((item) => resolve(deployment, item) === true);
  if (key === 'Fn::Or') return (argument as unknown[]).some((item) => resolve(deployment, item) === true);
  if (key === 'Condition' && Object.keys(value).length === 1) return condition(deployment, String(argument));
  if (key?.startsWith('Fn::')) throw new Error(`resource-policy: intrinsic ${key} is not known`);
  return Object.fromEntries(
    Object.entries(value)
      .map(([name, item]) => [name, resolve(deployment, item)])
      .filter(([, item]) => item !== NO_VALUE),
  );
}

/** The statements of every bus policy the deployment has: a bus's own `Policy` and each EventBusPolicy. */
export function busPolicies(deployment: Deployment): Map<string, Json[]> {
  const policies = new Map<string, Json[]>();
  for (const [id, resource] of Object.entries(deployment.template.Resources)) {
    if (resource.Condition !== undefined && !condition(deployment, resource.Condition)) continue;
    if (resource.Type === 'AWS::Events::EventBus') {
      const arn = arnOf(deployment, id);
      const policy = resolve(deployment, resource.Properties?.Policy);
      policies.set(arn, [
        ...(policies.get(arn) ?? []),
        ...(isRecord(policy) ? list(policy.Statement).filter(isRecord) : []),
      ]);
    }
    if (resource.Type === 'AWS::Events::EventBusPolicy') {
      const bus = resolve(deployment, resource.Properties?.EventBusName);
      const arn = `arn:aws:events:${deployment.region}:${deployment.accountId}:event-bus/${String(bus)}`;
      const statement = resolve(deployment, resource.Properties?.Statement);
      if (isRecord(statement)) policies.set(arn, [...(policies.get(arn) ?? []), statement]);
    }
  }
  return policies;
}

const wildcard = (pattern: string, text: string): boolean =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(text);

function contextValues(request: PutEventsRequest, key: string): readonly string[] | undefined {
  const keys: Record<string, readonly string[]> = {
    'aws:principalarn': [request.principalArn],
    'aws:principalorgid': [request.principalOrgId],
    'aws:principalaccount': [request.principalArn.split(':')[4] ?? ''],
    'events:source': request.sources,
  };
  return keys[key.toLowerCase()];
}

/** One condition block: every operator, every key, any of its values (IAM's AND of ORs). */
function conditionHolds(block: unknown, request: PutEventsRequest): boolean {
  if (block === undefined) return true;
  if (!isRecord(block)) throw new Error(`resource-policy: a Condition must be a mapping, got ${JSON.stringify(block)}`);
  return Object.entries(block).every(([operator, tests]) =>
    Object.entries(tests as Json).every(([key, expected]) => {
      const wanted = list(expected).map(String);
      const actual = contextValues(request, key);
      switch (operator) {
        case 'StringEquals':
        case 'ArnEquals':
          return actual !== undefined && actual.length > 0 && actual.some((value) => wanted.includes(value));
        case 'ArnLike':
        case 'StringLike':
          return actual?.some((value) => wanted.some((pattern) => wildcard(pattern, value))) ?? false;
        case 'StringNotEquals':
        case 'ArnNotEquals':
          return actual === undefined || actual.every((value) => !wanted.includes(value));
        case 'ForAllValues:StringEquals':
          return (actual ?? []).every((value) => wanted.includes(value));
        case 'Null':
          return (wanted[0] === 'true') === (actual === undefined || actual.length === 0);
        default:
          throw new Error(`resource-policy: condition operator ${operator} is not known`);
      }
    }),
  );
}

function principalMatches(principal: unknown, request: PutEventsRequest): boolean {
  if (principal === '*') return true;
  if (!isRecord(principal)) return false;
  return list(principal.AWS).some((aws) => {
    const text = String(aws);
    if (text === '*') return true;
    if (/^\d{12}$/.test(text)) return request.principalArn.split(':')[4] === text;
    const root = /^arn:aws:iam::(\d{12}):root$/.exec(text);
    return root ? request.principalArn.split(':')[4] === root[1] : text === request.principalArn;
  });
}

function applies(statement: Json, request: PutEventsRequest): boolean {
  const actions = list(statement.Action).map(String);
  const resources = list(statement.Resource).map(String);
  return (
    principalMatches(statement.Principal, request) &&
    actions.some((action) => wildcard(action, request.action)) &&
    resources.some((resource) => wildcard(resource, request.resourceArn)) &&
    conditionHolds(statement.Condition, request)
  );
}

/**
 * Whether IAM would let the request through the bus's policy, for a caller whose own identity
 * policy allows the action.
 *
 * @example
 * mayPutEvents(deployment, { principalArn, principalOrgId: 'o-abc', sources: ['cfn-watchdog'], action:
 * 'events:PutEvents', resourceArn });
 */
export function mayPutEvents(deployment: Deployment, request: PutEventsRequest): boolean {
  const statements = busPolicies(deployment).get(request.resourceArn) ?? [];
  const matching = statements.filter((statement) => applies(statement, request));
  if (matching.some((statement) => statement.Effect === 'Deny')) return false;
  const sameAccount = request.principalArn.split(':')[4] === deployment.accountId;
  return sameAccount || matching.some((statement) => statement.Effect === 'Allow');
}

/**
 * The logical ids CloudFormation creates in `deployment`: those without a condition, or whose
 * condition holds for its parameters.
 *
 * @example
 * deployedResources({ ...deployment, parameters: { PagerDutyRoutingKey: key } }); // […, 'PagerDutyDestination']
 */
export function deployedResources(deployment: Deployment): string[] {
  return Object.entries(deployment.template.Resources)
    .filter(([, resource]) => resource.Condition === undefined || condition(deployment, resource.Condition))
    .map(([id]) => id);
}

/** The outputs `deployment` has: those without a condition, or whose condition holds. */
export function deployedOutputs(deployment: Deployment): string[] {
  return Object.entries(deployment.template.Outputs ?? {})
    .filter(([, output]) => output.Condition === undefined || condition(deployment, String(output.Condition)))
    .map(([name]) => name);
}
