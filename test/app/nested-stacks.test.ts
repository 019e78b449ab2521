/**
 * Quiet by design: a nested stack is recorded in its root's service and reported once, by its
 * root, whose alerts name what is stuck inside it; a `cfn-watchdog:mute` tag silences a stack.
 * Real use cases over a real (embedded) DynamoDB; the stack directory answers as DescribeStacks.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import type { StackDirectory } from '../../shared/app/ports.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';
import { claimsIn, serviceViewIn } from '../support/states.ts';
import { NO_FACTS, type StackFacts } from '../../shared/domain/stack-facts.ts';
import { freshStore } from '../support/dynamodb.ts';
import { resourceEvent, stackArn, stackEvent } from '../support/events.ts';
import { ENI_REASON, NESTED, nestedDeletionEvents, ROOT } from '../support/nested.ts';
import { runInVirtualTime, watchdog } from '../support/watchdog.ts';

const rootArn = stackArn(ROOT);
const nestedArn = stackArn(NESTED);
const coreKey = { account: '123456789012', region: 'eu-central-1', service: 'core-prod' };

/** DescribeStacks' answers, by stack ARN; any other stack is a plain root without tags. */
function directory(facts: Record<string, Partial<StackFacts>>): StackDirectory & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async factsOf(stackId) {
      asked.push(stackId);
      return { ...NO_FACTS, ...facts[stackId] };
    },
  };
}

const parsed = (raw: readonly unknown[]): CloudFormationEvent[] => raw.map((input) => parseCloudFormationEvent(input));
const nestedUnderRoot = () => directory({ [nestedArn]: { rootStackId: rootArn } });

describe('a nested stack', () => {
  it(
    "belongs to its root's service, and only the root pages: one WARNING naming the Lambda stuck inside, one " +
      'RESOLVED',
    async () => {
      // Prepare
      const { store } = await freshStore();
      const dog = watchdog(store, { now: '2024-03-05T10:00:00Z', stacks: nestedUnderRoot() });

      // Act
      await runInVirtualTime(dog, parsed(nestedDeletionEvents()), '2024-03-05T10:45:00Z');

      // Assess
      expect(dog.notifier.sent.map((n) => `${n.severity} ${n.stackName}`)).toEqual([
        'WARNING core-prod',
        'RESOLVED core-prod',
      ]);
      const [warning] = dog.notifier.sent;
      expect(warning?.resourcesInProgress).toEqual([
        {
          logicalResourceId: 'ScanStack',
          physicalResourceId: nestedArn,
          resourceType: 'AWS::CloudFormation::Stack',
          status: 'DELETE_IN_PROGRESS',
          statusReason: '',
          since: Date.parse('2024-03-05T10:00:02Z'),
        },
        {
          logicalResourceId: 'AnalysisFunction',
          physicalResourceId: 'core-prod-AnalysisFunction-9XyZ',
          resourceType: 'AWS::Lambda::Function',
          status: 'DELETE_IN_PROGRESS',
          statusReason: ENI_REASON,
          since: Date.parse('2024-03-05T10:00:05Z'),
          inNestedStack: NESTED.name,
        },
      ]);
      expect(warning?.diagnosis.map((d) => [d.id, d.resource])).toEqual([
        ['lambda-vpc-eni-cleanup', `AnalysisFunction in nested stack ${NESTED.name}`],
      ]);
    },
  );

  it(
    "pages its CRITICAL itself, once, when its root's deletion fails while it still hangs, though it was " +
      'suppressed while the root told it',
    async () => {
      // Prepare: both deletions run past CRITICAL; the root fails at 10:45; the nested one goes on.
      const { store } = await freshStore();
      const dog = watchdog(store, {
        now: '2024-03-05T10:00:00Z',
        stacks: nestedUnderRoot(),
        config: { ...DEFAULT_CONFIG, repeatCriticalEveryMs: 30 * 60_000 },
      });
      const events = parsed([
        stackEvent(ROOT, '2024-03-05T10:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
        stackEvent(NESTED, '2024-03-05T10:00:03Z', 'DELETE_IN_PROGRESS'),
        stackEvent(
          ROOT,
          '2024-03-05T10:45:00Z',
          'DELETE_FAILED',
          'The following resource(s) failed to delete: [ScanStack].',
        ),
      ]);

      // Act
      await runInVirtualTime(dog, events, '2024-03-05T11:00:00Z');

      // Assess
      expect(
        dog.notifier.sent.map(
          (n) =>
            `${new Date(n.at).toISOString().slice(11, 19)} ${n.severity}${n.reminder ? ` #${n.reminder}` : ''} ` +
            `${n.stackName}`,
        ),
      ).toEqual([
        '10:20:00 WARNING core-prod',
        '10:40:00 CRITICAL core-prod',
        '10:45:00 FAILED core-prod',
        `10:45:00 CRITICAL ${NESTED.name}`,
      ]);
      const claims = (await claimsIn(store, coreKey)).filter((claim) => claim.stackId === nestedArn);
      expect(
        claims.map((claim) => [claim.severity, claim.delivery.state === 'suppressed' ? claim.delivery.why : null]),
      ).toEqual([
        ['WARNING', 'nested'],
        ['CRITICAL', null],
      ]);
    },
  );

  it("is kept under its root's service, known as nested, and counted in the window", async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: '2024-03-05T10:00:00Z', stacks: nestedUnderRoot() });

    // Act
    await runInVirtualTime(dog, parsed(nestedDeletionEvents()), '2024-03-05T10:45:00Z');

    // Assess
    const view = await serviceViewIn(store, coreKey, Date.parse('2024-03-05T10:45:00Z'));
    expect(view.stacks.map((stack) => [stack.stackId, stack.mutedByTag, stack.rootStackId]).sort()).toEqual(
      [
        [nestedArn, false, rootArn],
        [rootArn, false, null],
      ].sort(),
    );
    expect(view.operations.map((op) => [op.operation.stackName, op.quiet, op.rootStackId])).toEqual([
      ['core-prod', null, null],
      [NESTED.name, 'nested', rootArn],
    ]);
    // Every stack of the service is gone: the window waits for a replacement (DESIGN.md).
    expect(view.windows).toEqual([
      {
        start: Date.parse('2024-03-05T10:00:00Z'),
        end: null,
        peakSeverity: 'WARNING',
        stacks: ['core-prod', NESTED.name],
        awaitingReplacementSince: Date.parse('2024-03-05T10:38:10Z'),
      },
    ]);
  });

  it("goes to the service its root's cfn-watchdog:service tag names, whatever its own name says", async () => {
    // Prepare
    const { store } = await freshStore();
    const stacks = directory({ [nestedArn]: { rootStackId: rootArn }, [rootArn]: { serviceTag: 'scanner' } });
    const dog = watchdog(store, { now: '2024-03-05T10:00:03Z', stacks });

    // Act
    const outcome = await applyEvent(
      parseCloudFormationEvent(stackEvent(NESTED, '2024-03-05T10:00:03Z', 'DELETE_IN_PROGRESS')),
      dog.deps,
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'applied', key: { service: 'scanner' } });
    expect(stacks.asked).toEqual([nestedArn, rootArn]);
  });

  it(
    "adds the failure reasons from inside its nested stack to its root's FAILED, and its own rollback is no " +
      'blocking deletion',
    async () => {
      // Prepare: a new root whose nested stack cannot create its queue; the rollback deletes the nested stack.
      const { store } = await freshStore();
      const dog = watchdog(store, { now: '2024-03-05T11:00:00Z', stacks: nestedUnderRoot() });
      const nested = { type: 'AWS::CloudFormation::Stack', physicalId: nestedArn };
      const clash =
        'scan already exists in stack ' +
        'arn:aws:cloudformation:eu-central-1:123456789012:stack/legacy-scan/aa11bb22-0000-11ef-8c2a-0a1b2c3d4e5f';
      const events = parsed([
        stackEvent(ROOT, '2024-03-05T11:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
        resourceEvent(ROOT, '2024-03-05T11:00:02Z', 'ScanStack', 'CREATE_IN_PROGRESS', nested),
        stackEvent(NESTED, '2024-03-05T11:00:03Z', 'CREATE_IN_PROGRESS'),
        resourceEvent(NESTED, '2024-03-05T11:00:05Z', 'ScanQueue', 'CREATE_FAILED', {
          type: 'AWS::SQS::Queue',
          physicalId: '',
          reason: clash,
        }),
        stackEvent(NESTED, '2024-03-05T11:00:06Z', 'ROLLBACK_IN_PROGRESS'),
        resourceEvent(ROOT, '2024-03-05T11:00:07Z', 'ScanStack', 'CREATE_FAILED', {
          ...nested,
          reason:
            `Embedded stack ${nestedArn} was not successfully created: The following resource(s) failed to ` +
            `create: [ScanQueue].`,
        }),
        stackEvent(
          ROOT,
          '2024-03-05T11:00:08Z',
          'ROLLBACK_IN_PROGRESS',
          'The following resource(s) failed to create: [ScanStack].',
        ),
        stackEvent(NESTED, '2024-03-05T11:00:09Z', 'ROLLBACK_COMPLETE'),
        stackEvent(NESTED, '2024-03-05T11:00:10Z', 'DELETE_IN_PROGRESS'),
        stackEvent(NESTED, '2024-03-05T11:00:20Z', 'DELETE_COMPLETE'),
        stackEvent(ROOT, '2024-03-05T11:00:21Z', 'ROLLBACK_COMPLETE'),
      ]);

      // Act
      await runInVirtualTime(dog, events, '2024-03-05T11:02:00Z');

      // Assess
      expect(dog.notifier.sent.map((n) => `${n.severity} ${n.stackName}`)).toEqual(['FAILED core-prod']);
      expect(dog.notifier.sent[0]?.blockedBy).toMatchObject({
        stackName: 'legacy-scan',
        heldResource: 'scan',
        since: null,
      });
    },
  );

  it(
    "is named as the blocking deletion when another root's nested stack still holds what a deployment " + 'needs',
    async () => {
      // Prepare: the old root (and its nested stack) is being deleted; a new root of the same service fails on the
      // queue
      // name.
      const { store } = await freshStore();
      const v2 = { name: 'core-v2', region: 'eu-central-1', uuid: '0a1b2c3d-2222-11ef-8c2a-0a1b2c3d4e5f' };
      const stacks = directory({
        [nestedArn]: { rootStackId: rootArn },
        [rootArn]: { serviceTag: 'core' },
        [stackArn(v2)]: { serviceTag: 'core' },
      });
      const dog = watchdog(store, { now: '2024-03-05T10:00:00Z', stacks });
      const events = parsed([
        stackEvent(ROOT, '2024-03-05T10:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
        stackEvent(NESTED, '2024-03-05T10:00:03Z', 'DELETE_IN_PROGRESS'),
        stackEvent(v2, '2024-03-05T10:10:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
        resourceEvent(v2, '2024-03-05T10:10:05Z', 'ScanQueue', 'CREATE_FAILED', {
          type: 'AWS::SQS::Queue',
          physicalId: '',
          reason: `scan already exists in stack ${nestedArn}`,
        }),
        stackEvent(
          v2,
          '2024-03-05T10:10:06Z',
          'ROLLBACK_IN_PROGRESS',
          'The following resource(s) failed to create: [ScanQueue].',
        ),
        stackEvent(v2, '2024-03-05T10:10:20Z', 'ROLLBACK_COMPLETE'),
      ]);

      // Act
      await runInVirtualTime(dog, events, '2024-03-05T10:11:00Z');

      // Assess
      expect(dog.notifier.sent.map((n) => [n.severity, n.stackName, n.blockedBy])).toEqual([
        [
          'FAILED',
          'core-v2',
          {
            stackId: nestedArn,
            stackName: NESTED.name,
            since: Date.parse('2024-03-05T10:00:03Z'),
            runningMsAtFailure: 617_000,
            heldResource: 'scan',
          },
        ],
      ]);
    },
  );

  it('blames no deletion when nothing names one and only its own nested stack was deleted', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: '2024-03-05T11:00:00Z', stacks: nestedUnderRoot() });
    const events = parsed([
      stackEvent(ROOT, '2024-03-05T11:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(NESTED, '2024-03-05T11:00:03Z', 'CREATE_IN_PROGRESS'),
      stackEvent(NESTED, '2024-03-05T11:00:06Z', 'ROLLBACK_IN_PROGRESS'),
      stackEvent(NESTED, '2024-03-05T11:00:10Z', 'DELETE_IN_PROGRESS'),
      stackEvent(
        ROOT,
        '2024-03-05T11:00:11Z',
        'ROLLBACK_IN_PROGRESS',
        'The following resource(s) failed to create: [ScanStack].',
      ),
      stackEvent(NESTED, '2024-03-05T11:00:20Z', 'DELETE_COMPLETE'),
      stackEvent(ROOT, '2024-03-05T11:00:21Z', 'ROLLBACK_COMPLETE'),
    ]);

    // Act
    await runInVirtualTime(dog, events, '2024-03-05T11:02:00Z');

    // Assess
    expect(dog.notifier.sent.map((n) => [n.severity, n.stackName, n.blockedBy])).toEqual([
      ['FAILED', 'core-prod', null],
    ]);
  });
});

describe('the cfn-watchdog:mute tag', () => {
  it('silences a stack that carries it: nothing is sent, its operation and window are recorded', async () => {
    // Prepare
    const { store } = await freshStore();
    const stacks = directory({ [rootArn]: { mutedByTag: true } });
    const dog = watchdog(store, { now: '2024-03-05T10:00:00Z', stacks });
    const events = parsed([
      stackEvent(ROOT, '2024-03-05T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(ROOT, '2024-03-05T10:50:00Z', 'UPDATE_ROLLBACK_IN_PROGRESS', 'failed'),
      stackEvent(ROOT, '2024-03-05T10:52:00Z', 'UPDATE_ROLLBACK_COMPLETE'),
    ]);

    // Act
    await runInVirtualTime(dog, events, '2024-03-05T10:55:00Z');

    // Assess
    expect(dog.notifier.sent).toEqual([]);
    const view = await serviceViewIn(store, coreKey, Date.parse('2024-03-05T10:55:00Z'));
    expect(view.operations.map((op) => [op.operation.type, op.operation.state, op.quiet])).toEqual([
      ['UPDATE', 'ended', 'muted'],
    ]);
    expect(view.windows.map((w) => w.peakSeverity)).toEqual(['FAILED']);
  });

  it('stops silencing once the tag is gone: the next operation pages', async () => {
    // Prepare
    const { store } = await freshStore();
    let muted = true;
    const stacks: StackDirectory = { factsOf: async () => ({ ...NO_FACTS, mutedByTag: muted }) };
    const dog = watchdog(store, { now: '2024-03-05T10:00:00Z', stacks });
    await runInVirtualTime(
      dog,
      parsed([
        stackEvent(ROOT, '2024-03-05T10:00:00Z', 'UPDATE_IN_PROGRESS'),
        stackEvent(ROOT, '2024-03-05T10:01:00Z', 'UPDATE_ROLLBACK_COMPLETE'),
      ]),
      '2024-03-05T10:02:00Z',
    );

    // Act
    muted = false;
    await runInVirtualTime(
      dog,
      parsed([
        stackEvent(ROOT, '2024-03-05T11:00:00Z', 'UPDATE_IN_PROGRESS'),
        stackEvent(ROOT, '2024-03-05T11:01:00Z', 'UPDATE_ROLLBACK_COMPLETE'),
      ]),
      '2024-03-05T11:02:00Z',
    );

    // Assess
    expect(dog.notifier.sent.map((n) => [n.severity, new Date(n.startedAt).toISOString()])).toEqual([
      ['FAILED', '2024-03-05T11:00:00.000Z'],
    ]);
    expect((await store.loadService(coreKey)).stacks.map((stack) => stack.mutedByTag)).toEqual([false]);
  });

  it(
    'settles a FAILED that could not be sent, once its stack is muted, so that unmuting does not page ' + 'for it',
    async () => {
      // Prepare: the FAILED's publish fails; then the stack is muted (config), and later unmuted.
      const { store } = await freshStore();
      const failing = watchdog(store, { now: '2024-03-05T10:00:00Z', fails: () => true });
      await applyEvent(
        parseCloudFormationEvent(stackEvent(ROOT, '2024-03-05T10:00:00Z', 'UPDATE_IN_PROGRESS')),
        failing.deps,
      );
      await expect(
        applyEvent(
          parseCloudFormationEvent(stackEvent(ROOT, '2024-03-05T10:01:00Z', 'UPDATE_ROLLBACK_COMPLETE')),
          failing.deps,
        ),
      ).rejects.toThrow('SNS publish failed');
      const muted = watchdog(store, {
        now: '2024-03-05T10:10:00Z',
        config: { ...DEFAULT_CONFIG, mutes: [/^core-prod$/] },
      });
      const unmuted = watchdog(store, { now: '2024-03-05T11:00:00Z' });

      // Act
      await sweep(muted.deps);
      await applyEvent(
        parseCloudFormationEvent(stackEvent(ROOT, '2024-03-05T11:00:00Z', 'UPDATE_IN_PROGRESS')),
        unmuted.deps,
      );

      // Assess
      expect([...muted.notifier.sent, ...unmuted.notifier.sent]).toEqual([]);
      expect(await claimsIn(store, coreKey)).toMatchObject([
        { severity: 'FAILED', delivery: { state: 'suppressed', at: Date.parse('2024-03-05T10:10:00Z'), why: 'muted' } },
      ]);
    },
  );
});
