/**
 * A generated day of an organisation's CloudFormation deployments, as EventBridge delivers them:
 * the workload every figure of the bench runs on. Deterministic (seeded), so two runs replay the
 * same day. The bench does not import from test/ (its builders are the tests'); the event shape
 * here is the same EventBridge shape as test/support/events.ts and events/samples/.
 */
import { parseCloudFormationEvent } from '../shared/domain/cfn-event.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import { parseServiceRule, type ServiceRule } from '../shared/domain/service.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-central-1';

/** The EventBridge envelope CloudFormation's status changes arrive in. */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: 'aws.cloudformation';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface GeneratedStack {
  readonly name: string;
  readonly arn: string;
  /** The root's ARN for a nested stack; `null` for a root. */
  readonly rootArn: string | null;
  readonly nested: readonly GeneratedStack[];
}

export interface OrgDay {
  readonly stacks: readonly GeneratedStack[];
  /** The rules that group some roots into shared services (the rest are their own service). */
  readonly serviceRules: readonly ServiceRule[];
  /** The same rules as `replay --service-rule` takes them. */
  readonly serviceRuleSpecs: readonly string[];
  /** In delivery order (time, then generation order). */
  readonly raw: readonly EventBridgeEvent[];
  readonly events: readonly CloudFormationEvent[];
  readonly deployments: number;
  readonly outcomes: Readonly<Record<DeploymentOutcome, number>>;
}

export type DeploymentOutcome = 'succeeded' | 'rolledBack' | 'slow' | 'rollbackFailed';

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same day. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (random: () => number, length: number): string =>
  Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
const uuid = (random: () => number): string =>
  `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`;
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (random: () => number, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));

const arnOf = (name: string, random: () => number): string =>
  `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/${uuid(random)}`;

const TEAMS = [
  'payments',
  'checkout',
  'search',
  'identity',
  'catalog',
  'orders',
  'shipping',
  'billing',
  'data',
  'platform',
];
const ROLES = ['api', 'worker', 'web', 'db', 'queue', 'cache', 'cron', 'edge'];
const RESOURCE_TYPES = [
  ['Function', 'AWS::Lambda::Function'],
  ['Role', 'AWS::IAM::Role'],
  ['Queue', 'AWS::SQS::Queue'],
  ['Table', 'AWS::DynamoDB::Table'],
  ['Service', 'AWS::ECS::Service'],
  ['TaskDefinition', 'AWS::ECS::TaskDefinition'],
  ['Alarm', 'AWS::CloudWatch::Alarm'],
  ['Bucket', 'AWS::S3::Bucket'],
] as const;

/**
 * 1 in 4 roots is a nested-stack application (a root with 3 nested stacks); the rest are plain.
 * Three teams share one service each through a rule, so that some state items hold many stacks
 * (what `--service-rule`/`WATCHDOG_SERVICE_RULES` are for); every other root is its own service.
 */
function generateStacks(count: number, random: () => number): GeneratedStack[] {
  const stacks: GeneratedStack[] = [];
  let total = 0;
  for (let index = 0; total < count; index++) {
    const name = [
      TEAMS[index % TEAMS.length],
      ROLES[Math.floor(index / TEAMS.length) % ROLES.length],
      index,
      'prod',
    ].join('-');
    const arn = arnOf(name, random);
    const room = count - total - 1;
    const nestedCount = index % 4 === 0 ? Math.min(3, room) : 0;
    const nested = Array.from({ length: nestedCount }, (_, n) => {
      const nestedName = `${name}-Nested${n}-${hex(random, 12).toUpperCase()}`;
      return { name: nestedName, arn: arnOf(nestedName, random), rootArn: arn, nested: [] };
    });
    stacks.push({ name, arn, rootArn: null, nested });
    total += 1 + nestedCount;
  }
  return stacks;
}

interface Emit {
  (stack: GeneratedStack, at: number, status: string, reason?: string): void;
  resource(
    stack: GeneratedStack,
    at: number,
    logicalId: string,
    type: string,
    status: string,
    physicalId: string,
    reason?: string,
  ): void;
}

/** One operation's events on one stack (and its nested stacks), CloudFormation's order. */
function deploy(
  emit: Emit,
  random: () => number,
  stack: GeneratedStack,
  start: number,
  outcome: DeploymentOutcome,
): number {
  let at = start;
  const step = (low: number, high: number): number => (at += between(random, low, high) * 1000);
  const resources = Array.from({ length: between(random, 2, 7) }, (_, n) => {
    const [logical, type] = pick(random, RESOURCE_TYPES);
    return { logicalId: `${logical}${n}`, type, physicalId: `${stack.name}-${logical}${n}-${hex(random, 8)}` };
  });
  emit(stack, at, 'UPDATE_IN_PROGRESS', 'User Initiated');
  for (const resource of resources) {
    step(1, 3);
    emit.resource(stack, at, resource.logicalId, resource.type, 'UPDATE_IN_PROGRESS', resource.physicalId);
  }
  // A slow deployment sits in one resource past the WARNING threshold (20 min by default).
  if (outcome === 'slow') step(25 * 60, 45 * 60);
  for (const nested of stack.nested) {
    step(1, 2);
    emit.resource(
      stack,
      at,
      nested.name.split('-').at(-2) ?? 'Nested',
      'AWS::CloudFormation::Stack',
      'UPDATE_IN_PROGRESS',
      nested.arn,
    );
    at = deploy(emit, random, nested, at + 1000, 'succeeded');
    step(1, 2);
    emit.resource(
      stack,
      at,
      nested.name.split('-').at(-2) ?? 'Nested',
      'AWS::CloudFormation::Stack',
      'UPDATE_COMPLETE',
      nested.arn,
    );
  }
  const failing = outcome === 'rolledBack' || outcome === 'rollbackFailed' ? resources.at(-1) : undefined;
  for (const resource of resources) {
    step(5, 60);
    if (resource === failing) {
      const reason = 'Resource handler returned message: "Rate exceeded (Service: Lambda, Status Code: 429)"';
      emit.resource(stack, at, resource.logicalId, resource.type, 'UPDATE_FAILED', resource.physicalId, reason);
    } else {
      emit.resource(stack, at, resource.logicalId, resource.type, 'UPDATE_COMPLETE', resource.physicalId);
    }
  }
  if (failing) {
    step(1, 3);
    emit(
      stack,
      at,
      'UPDATE_ROLLBACK_IN_PROGRESS',
      `The following resource(s) failed to update: [${failing.logicalId}].`,
    );
    for (const resource of resources) {
      step(1, 20);
      emit.resource(stack, at, resource.logicalId, resource.type, 'UPDATE_IN_PROGRESS', resource.physicalId);
      step(1, 20);
      const broken = outcome === 'rollbackFailed' && resource === failing;
      emit.resource(
        stack,
        at,
        resource.logicalId,
        resource.type,
        broken ? 'UPDATE_FAILED' : 'UPDATE_COMPLETE',
        resource.physicalId,
        broken ? 'Resource is not in the state stabilized' : '',
      );
    }
    step(1, 3);
    if (outcome === 'rollbackFailed') {
      emit(stack, at, 'UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: [${failing.logicalId}].`);
      return at;
    }
    emit(stack, at, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    step(1, 10);
    emit(stack, at, 'UPDATE_ROLLBACK_COMPLETE');
    return at;
  }
  step(1, 3);
  emit(stack, at, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  step(1, 10);
  emit(stack, at, 'UPDATE_COMPLETE');
  return at;
}

/**
 * A day of `stackCount` stacks with at least `minEvents` events: deployments of random roots
 * (a few busy ones deploy far more often than the rest), spread over 06:00–22:00 UTC, never two
 * at once on the same root. About 90% succeed, 6% roll back (FAILED), 3% are slow (WARNING, some
 * CRITICAL) and 1% fail their rollback.
 *
 * @example
 * const day = generateOrgDay({ stackCount: 1000, minEvents: 20_000 });
 */
export function generateOrgDay({
  stackCount,
  minEvents,
  seed = 42,
  date = '2021-09-21',
}: {
  stackCount: number;
  minEvents: number;
  seed?: number;
  date?: string;
}): OrgDay {
  const random = seededRandom(seed);
  const stacks = generateStacks(stackCount, random);
  const dayStart = Date.parse(`${date}T06:00:00Z`);
  const daySpan = 16 * 3600 * 1000;
  const generated: { at: number; order: number; raw: EventBridgeEvent }[] = [];
  const envelope = (stack: GeneratedStack, at: number, detailType: string, detail: Record<string, unknown>): void => {
    generated.push({
      at,
      order: generated.length,
      raw: {
        version: '0',
        id: uuid(random),
        'detail-type': detailType,
        source: 'aws.cloudformation',
        account: ACCOUNT,
        time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: REGION,
        resources: [stack.arn],
        detail,
      },
    });
  };
  const emit: Emit = Object.assign(
    (stack: GeneratedStack, at: number, status: string, reason = '') =>
      envelope(stack, at, 'CloudFormation Stack Status Change', {
        'stack-id': stack.arn,
        'status-details': { status, 'status-reason': reason },
        'client-request-token': '',
      }),
    {
      resource: (
        stack: GeneratedStack,
        at: number,
        logicalId: string,
        type: string,
        status: string,
        physicalId: string,
        reason = '',
      ) =>
        envelope(stack, at, 'CloudFormation Resource Status Change', {
          'stack-id': stack.arn,
          'logical-resource-id': logicalId,
          'physical-resource-id': physicalId,
          'status-details': { status, 'status-reason': reason },
          'resource-type': type,
          'client-request-token': '',
        }),
    },
  );

  const busyUntil = new Map<string, number>();
  const outcomes: Record<DeploymentOutcome, number> = { succeeded: 0, rolledBack: 0, slow: 0, rollbackFailed: 0 };
  let deployments = 0;
  while (generated.length < minEvents) {
    // Squaring skews the choice towards the first roots: a few services deploy all day long.
    const root = stacks[Math.floor(random() ** 2 * stacks.length)] as GeneratedStack;
    const roll = random();
    const outcome: DeploymentOutcome =
      roll < 0.9 ? 'succeeded' : roll < 0.96 ? 'rolledBack' : roll < 0.99 ? 'slow' : 'rollbackFailed';
    const start = Math.max(
      dayStart + Math.floor((random() * daySpan) / 1000) * 1000,
      (busyUntil.get(root.arn) ?? 0) + 60_000,
    );
    // A root already busy until after hours is left alone: the day stays a day.
    if (start > dayStart + daySpan) continue;
    busyUntil.set(root.arn, deploy(emit, random, root, start, outcome));
    outcomes[outcome]++;
    deployments++;
  }
  generated.sort((a, b) => a.at - b.at || a.order - b.order);
  const raw = generated.map((item) => item.raw);
  const serviceRuleSpecs = TEAMS.slice(0, 3).map((team) => `${team}-shared=^${team}-(api|worker)-`);
  return {
    stacks,
    serviceRules: serviceRuleSpecs.map(parseServiceRule),
    serviceRuleSpecs,
    raw,
    events: raw.map((event) => parseCloudFormationEvent(event)),
    deployments,
    outcomes,
  };
}

/** Every stack of the day, roots and nested. */
export function allStacks(day: Pick<OrgDay, 'stacks'>): GeneratedStack[] {
  return day.stacks.flatMap((root) => [root, ...root.nested]);
}
