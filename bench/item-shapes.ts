/**
 * The shapes of history that could push a DynamoDB item past its bound (issue 14): each a list
 * of CloudFormation events in the exact EventBridge shape (parsed as the handler parses them),
 * with the configuration, stack directory and CloudFormation answers it needs and how long to
 * sweep. test/app/item-bounds.test.ts runs them through the use cases against dynalite and checks
 * what they leave; bench/items.ts measures their largest item. Deterministic: no clock, no
 * randomness, event ids derived from the event.
 *
 * Like bench/org.ts, this does not import from test/: the EventBridge shape is the same as
 * test/support/events.ts builds.
 */
import type { StackDirectory, StackInspector } from '../shared/app/ports.ts';
import { parseCloudFormationEvent } from '../shared/domain/cfn-event.ts';
import { configFromText, type WatchdogConfig } from '../shared/domain/config.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import { NO_FACTS } from '../shared/domain/stack-facts.ts';
import { formatInstant, MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import { ACCOUNT, REGION } from './org.ts';

const SECOND_MS = 1000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * A 300-character reason in 3-byte characters: 900 UTF-8 bytes for 300 UTF-16 units, which is
 * what dynalite (and JavaScript's `length`) would count.
 */
export const LONG_REASON = `Ressource konnte nicht aktualisiert werden: ${'失敗した更新'.repeat(50)}`.slice(0, 300);

export interface ItemShape {
  /** Its key in {@link benchItemBounds}' `byShape`. */
  readonly name: string;
  readonly config: WatchdogConfig;
  readonly stacks: StackDirectory;
  /** DescribeStacks, as the deployed sweeper has it; absent where the shape needs none. */
  readonly inspector?: StackInspector;
  /** In delivery order (time, then generation order). */
  readonly events: readonly CloudFormationEvent[];
  /** The clock before the first event. */
  readonly start: Instant;
  /** The last sweep. */
  readonly until: Instant;
  /** Minutes of virtual time between sweeps: 1 in production (see the shape for why not). */
  readonly sweepEveryMinutes: number;
}

/** One stack of a shape: its name and ARN. */
export interface ShapeStack {
  readonly name: string;
  readonly arn: string;
}

const shapeStack = (name: string, uuid: string): ShapeStack => ({
  name,
  arn: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/${uuid}`,
});

/** A uuid for the `index`-th stack of a shape, so that names reused across shapes still differ in ARN. */
const uuidOf = (shape: number, index: number): string =>
  `${String(shape).padStart(8, '0')}-1b15-11ec-a8f1-${String(index).padStart(12, '0')}`;

function envelope(stack: ShapeStack, at: Instant, detailType: string, detail: Record<string, unknown>, id: string) {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'aws.cloudformation',
    account: ACCOUNT,
    time: formatInstant(at),
    region: REGION,
    resources: [stack.arn],
    detail: { 'stack-id': stack.arn, 'client-request-token': '', ...detail },
  };
}

function stackStatus(stack: ShapeStack, at: Instant, status: string, reason = ''): CloudFormationEvent {
  const detail = { 'status-details': { status, 'status-reason': reason } };
  return parseCloudFormationEvent(
    envelope(stack, at, 'CloudFormation Stack Status Change', detail, `${stack.name}#${at}#${status}`),
  );
}

function resourceStatus(
  stack: ShapeStack,
  at: Instant,
  resource: { logicalId: string; type: string; physicalId: string },
  status: string,
  reason: string,
): CloudFormationEvent {
  const detail = {
    'logical-resource-id': resource.logicalId,
    'physical-resource-id': resource.physicalId,
    'resource-type': resource.type,
    'status-details': { status, 'status-reason': reason },
  };
  return parseCloudFormationEvent(
    envelope(
      stack,
      at,
      'CloudFormation Resource Status Change',
      detail,
      `${stack.name}#${at}#${resource.logicalId}#${status}`,
    ),
  );
}

/** Time order; the sort is stable, so events of one second keep the order they were generated in. */
const inDeliveryOrder = (events: CloudFormationEvent[]): CloudFormationEvent[] =>
  events.sort((a, b) => a.time - b.time);

const allRoots: StackDirectory = { factsOf: async () => NO_FACTS };

// ---- 1. a root with 150 nested stacks ----------------------------------------------------------

export interface NestedShape extends ItemShape {
  readonly root: ShapeStack;
  readonly nested: readonly ShapeStack[];
}

/**
 * A root with 150 nested stacks (long names) deploying four times, 30 minutes apart: ok, failed,
 * ok, failed. In the failed ones every nested stack rolls back with a 300-character non-ASCII
 * reason, and so does the root: every window names 151 stacks.
 */
export function nestedShape(): NestedShape {
  const start = Date.parse('2024-03-05T10:00:00Z');
  const root = shapeStack('platform-prod', uuidOf(1, 0));
  const nested = Array.from({ length: 150 }, (_, index) =>
    shapeStack(`platform-prod-Nested${String(index).padStart(3, '0')}-${'X'.repeat(40)}`, uuidOf(1, index + 1)),
  );
  const stacks: StackDirectory = {
    factsOf: async (stackId) => ({ ...NO_FACTS, rootStackId: stackId === root.arn ? null : root.arn }),
  };
  const events: CloudFormationEvent[] = [];
  for (let deployment = 0; deployment < 4; deployment++) {
    const at = start + deployment * 30 * MINUTE_MS;
    const failed = deployment % 2 === 1;
    events.push(stackStatus(root, at, 'UPDATE_IN_PROGRESS', 'User Initiated'));
    nested.forEach((stack, index) => {
      events.push(stackStatus(stack, at + 10 * SECOND_MS + index * 100, 'UPDATE_IN_PROGRESS'));
      if (failed) {
        events.push(stackStatus(stack, at + 5 * MINUTE_MS + index * 100, 'UPDATE_ROLLBACK_IN_PROGRESS', LONG_REASON));
        events.push(stackStatus(stack, at + 8 * MINUTE_MS + index * 100, 'UPDATE_ROLLBACK_COMPLETE'));
      } else {
        events.push(stackStatus(stack, at + 5 * MINUTE_MS + index * 100, 'UPDATE_COMPLETE'));
      }
    });
    events.push(
      stackStatus(
        root,
        at + 9 * MINUTE_MS,
        failed ? 'UPDATE_ROLLBACK_COMPLETE' : 'UPDATE_COMPLETE',
        failed ? LONG_REASON : '',
      ),
    );
  }
  return {
    name: 'nested150',
    config: configFromText({ serviceRules: ['platform=^platform-'] }),
    stacks,
    events: inDeliveryOrder(events),
    start,
    until: start + 2 * HOUR_MS,
    sweepEveryMinutes: 1,
    root,
    nested,
  };
}

// ---- 2. a 300-stack service deploying in waves --------------------------------------------------

/** One wave of a round: which stacks deployed, which of them failed, and the span it took. */
export interface Wave {
  readonly round: number;
  readonly wave: number;
  readonly stacks: readonly ShapeStack[];
  readonly failed: readonly ShapeStack[];
  /** The first failed deployment's UPDATE_IN_PROGRESS; `null` when none failed. */
  readonly firstFailureStart: Instant | null;
  /** The wave's last terminal status. */
  readonly end: Instant;
}

export interface WavesShape extends ItemShape {
  readonly service: string;
  readonly stackList: readonly ShapeStack[];
  readonly waves: readonly Wave[];
}

const WAVE_COUNT = 6;
const WAVE_SIZE = 50;
const WAVE_EVERY_MS = 5 * MINUTE_MS;
const ROUND_EVERY_MS = HOUR_MS;
/** A stack of a wave starts this long after the one before it: a wave starts over 98 seconds. */
const WAVE_STAGGER_MS = 2 * SECOND_MS;
/** Which waves fail, round by round: waves of one round, and the same wave in another round. */
const FAILING_WAVES: readonly (readonly number[])[] = [[1, 4], [2], [1, 5]];
/** In a failing wave, every tenth stack from the fourth on rolls back: its window starts after the wave's. */
const failsInWave = (index: number): boolean => index % 10 === 3;

/**
 * One service of 300 stacks (`shop=^shop-`) deployed in rounds an hour apart, each round in six
 * waves of 50 stacks five minutes apart. In a failing wave five stacks roll back, each with a
 * resource failure and a stack reason of 300 non-ASCII characters (900 bytes); every update
 * ends through its cleanup status, as CloudFormation's do. A wave is over before the next
 * starts, so each failing wave makes a window of its own.
 *
 * `maxStackRecords` is 8, not 40: at 40 a stack folds by size only after a dozen rounds (about
 * 12,000 events of this service), too slow for a test; at 8 the third round folds every stack,
 * so the pages, baselines and walk points folding writes are among the items measured.
 */
export function wavesShape({ rounds = FAILING_WAVES.length }: { rounds?: number } = {}): WavesShape {
  const start = Date.parse('2024-03-06T08:00:00Z');
  const stackList = Array.from({ length: WAVE_COUNT * WAVE_SIZE }, (_, index) =>
    shapeStack(`shop-${['api', 'worker', 'web'][index % 3]}-${String(index).padStart(3, '0')}-prod`, uuidOf(2, index)),
  );
  const events: CloudFormationEvent[] = [];
  const waves: Wave[] = [];
  for (let round = 0; round < rounds; round++) {
    const failing = FAILING_WAVES[round % FAILING_WAVES.length] ?? [];
    for (let wave = 0; wave < WAVE_COUNT; wave++) {
      const waveStart = start + round * ROUND_EVERY_MS + wave * WAVE_EVERY_MS;
      const stacks = stackList.slice(wave * WAVE_SIZE, (wave + 1) * WAVE_SIZE);
      const failed: ShapeStack[] = [];
      let firstFailureStart: Instant | null = null;
      let end = waveStart;
      stacks.forEach((stack, index) => {
        const at = waveStart + index * WAVE_STAGGER_MS;
        events.push(stackStatus(stack, at, 'UPDATE_IN_PROGRESS', 'User Initiated'));
        if (failing.includes(wave) && failsInWave(index)) {
          failed.push(stack);
          firstFailureStart ??= at;
          const service = { logicalId: 'Service', type: 'AWS::ECS::Service', physicalId: `${stack.name}-Service` };
          events.push(resourceStatus(stack, at + 85 * SECOND_MS, service, 'UPDATE_FAILED', LONG_REASON));
          events.push(stackStatus(stack, at + 90 * SECOND_MS, 'UPDATE_ROLLBACK_IN_PROGRESS', LONG_REASON));
          events.push(stackStatus(stack, at + 150 * SECOND_MS, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'));
          events.push(stackStatus(stack, at + 160 * SECOND_MS, 'UPDATE_ROLLBACK_COMPLETE'));
          end = Math.max(end, at + 160 * SECOND_MS);
        } else {
          events.push(stackStatus(stack, at + 100 * SECOND_MS, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'));
          events.push(stackStatus(stack, at + 110 * SECOND_MS, 'UPDATE_COMPLETE'));
          end = Math.max(end, at + 110 * SECOND_MS);
        }
      });
      if (end >= waveStart + WAVE_EVERY_MS) throw new Error('item shapes: a wave must end before the next one starts');
      waves.push({ round, wave, stacks, failed, firstFailureStart, end });
    }
  }
  const last = waves.at(-1)?.end ?? start;
  return {
    name: 'waves300',
    config: { ...configFromText({ serviceRules: ['shop=^shop-'] }), maxStackRecords: 8 },
    stacks: allRoots,
    events: inDeliveryOrder(events),
    start,
    until: last + 15 * MINUTE_MS,
    sweepEveryMinutes: 1,
    service: 'shop',
    stackList,
    waves,
  };
}

// ---- 3. one stack hanging 30 hours among 60 busy neighbours -------------------------------------

export interface HangShape extends ItemShape {
  readonly service: string;
  readonly hanging: ShapeStack;
  readonly neighbours: readonly ShapeStack[];
  /** When the hanging stack's CREATE_IN_PROGRESS began. */
  readonly hangStart: Instant;
  readonly deployments: number;
}

const CERTIFICATE = { logicalId: 'Certificate', type: 'AWS::CertificateManager::Certificate', physicalId: '' };
const DNS_VALIDATION =
  'Content of DNS Record is: {Name: _3f1c9a7be2d04c58a1e6f0b2c4d8e9a1.shop.example.com.,Type: CNAME,Value: ' +
  '_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d.xlfgrmvvlj.acm-validations.aws.}';

/**
 * One stack (`edge-certificates-prod`) in CREATE_IN_PROGRESS for 30 hours, its certificate
 * waiting for DNS validation, while one of its 60 neighbours in the same service (`edge=^edge-`)
 * deploys every 2 minutes throughout: 900 updates, 2,700 events (each update through its
 * cleanup status, as CloudFormation's do), so every neighbour also folds by size. CRITICAL
 * reminders every 4 hours, as a team would want for a hang this long; DescribeStacks answers
 * that the stack still creates.
 *
 * Scaled: sweeps every 10 minutes of virtual time, not every minute. Each sweep reads the
 * service's 61 stack items (the hang keeps the service in the sweep index for the 30 hours):
 * 1,800 sweeps took 137 s on 2 cores against dynalite in process, too long for a test; 180 take
 * 25 s, still escalate at 20 and 40 minutes (multiples of 10), remind every 4 hours and walk the
 * windows over every event, and left the same largest item (2,997 bytes) and the same 9 pages as
 * sweeping every minute. The 30-hour hang and all 2,700 events are kept: the one item per
 * service of before broke after about 1,700.
 */
export function hangShape(): HangShape {
  const hangStart = Date.parse('2024-03-07T06:00:00Z');
  const hanging = shapeStack('edge-certificates-prod', uuidOf(3, 999));
  const neighbours = Array.from({ length: 60 }, (_, index) =>
    shapeStack(
      `edge-${['api', 'cdn', 'auth', 'geo'][index % 4]}-${String(index).padStart(2, '0')}-prod`,
      uuidOf(3, index),
    ),
  );
  const hangMs = 30 * HOUR_MS;
  const deployments = hangMs / (2 * MINUTE_MS);
  const events: CloudFormationEvent[] = [
    stackStatus(hanging, hangStart, 'CREATE_IN_PROGRESS', 'User Initiated'),
    resourceStatus(hanging, hangStart + 20 * SECOND_MS, { ...CERTIFICATE, physicalId: '' }, 'CREATE_IN_PROGRESS', ''),
    resourceStatus(
      hanging,
      hangStart + 25 * SECOND_MS,
      {
        ...CERTIFICATE,
        physicalId: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/3f1c9a7b-e2d0-4c58-a1e6-f0b2c4d8e9a1`,
      },
      'CREATE_IN_PROGRESS',
      DNS_VALIDATION,
    ),
  ];
  for (let deployment = 0; deployment < deployments; deployment++) {
    const stack = neighbours[deployment % neighbours.length] as ShapeStack;
    const at = hangStart + MINUTE_MS + deployment * 2 * MINUTE_MS;
    events.push(stackStatus(stack, at, 'UPDATE_IN_PROGRESS', 'User Initiated'));
    events.push(stackStatus(stack, at + 50 * SECOND_MS, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'));
    events.push(stackStatus(stack, at + 60 * SECOND_MS, 'UPDATE_COMPLETE'));
  }
  const inspector: StackInspector = {
    async describe(stackId) {
      // Only an escalated operation is asked about: a neighbour asked would be a bug, made loud.
      if (stackId !== hanging.arn)
        throw new Error(`item shapes: DescribeStacks asked about ${stackId}, which never escalates`);
      return {
        exists: true,
        status: 'CREATE_IN_PROGRESS',
        statusReason: 'User Initiated',
        lastUpdatedAt: null,
        statusSince: hangStart,
      };
    },
    async resourcesInProgress(stackId) {
      if (stackId !== hanging.arn) return [];
      return [
        {
          logicalResourceId: CERTIFICATE.logicalId,
          physicalResourceId: '',
          resourceType: CERTIFICATE.type,
          status: 'CREATE_IN_PROGRESS',
          statusReason: DNS_VALIDATION,
          since: hangStart + 25 * SECOND_MS,
        },
      ];
    },
  };
  return {
    name: 'hang30h',
    config: configFromText({ serviceRules: ['edge=^edge-'], repeatCriticalEvery: '4h' }),
    stacks: allRoots,
    inspector,
    events: inDeliveryOrder(events),
    start: hangStart,
    until: hangStart + hangMs + 10 * MINUTE_MS,
    sweepEveryMinutes: 10,
    service: 'edge',
    hanging,
    neighbours,
    hangStart,
    deployments,
  };
}

/** Every shape, in the order the bench reports them. */
export const ITEM_SHAPES: readonly (() => ItemShape)[] = [nestedShape, wavesShape, hangShape];
