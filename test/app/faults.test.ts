/**
 * Faults at the SDK boundary (DynamoDB throttled or timing out, SNS failing, DescribeStacks
 * throttled), against the real store: the invocation fails, nothing is half-written, and a retry
 * or a later sweep still sends each notification; exactly once, except in the one documented
 * window (SNS accepted, marking it sent failed), where it is sent twice.
 */
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import type { StackInspector } from '../../shared/app/ports.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { interceptedStore, type OutgoingCommand } from '../support/counting-store.ts';
import { claimsIn, iso, serviceKey } from '../support/states.ts';
import { stackStatus, watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const apiKey = serviceKey('api');

const throttled = (): Error =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded',
    $metadata: { httpStatusCode: 400 },
  });

const timedOut = (): Error => Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });

/** A write of a stack's state (its item under the service's partition). */
const isStateWrite = (command: OutgoingCommand): boolean =>
  command.name === 'PutItemCommand' &&
  String((command.input.Item as Record<string, unknown> | undefined)?.SK).startsWith('STACK#');

/** Fails the commands `fail` picks, the n-th time each is seen (1-based, across all commands). */
function faults(fail: (command: OutgoingCommand, seen: number) => Error | undefined) {
  let seen = 0;
  return (command: OutgoingCommand): void => {
    seen += 1;
    const error = fail(command, seen);
    if (error) throw error;
  };
}

describe('applyEvent under DynamoDB faults', () => {
  it('fails without writing the state when the state write is throttled, and a retry sends FAILED once', async () => {
    // Prepare
    let throttle = false;
    const { store } = await interceptedStore(
      faults((command) => (throttle && isStateWrite(command) ? throttled() : undefined)),
    );
    const dog = watchdog(store, { now: iso('10:03') });
    await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS'), dog.deps);
    const before = await store.loadService(apiKey);
    throttle = true;
    const failure = stackStatus(api, iso('10:03'), 'CREATE_FAILED', 'Resource creation cancelled');

    // Act
    const first = applyEvent(failure, dog.deps);
    await expect(first).rejects.toThrow(ProvisionedThroughputExceededException);
    const untouched = await store.loadService(apiKey);
    throttle = false;
    const retried = await applyEvent(failure, dog.deps);

    // Assess
    expect(untouched).toEqual(before);
    expect(retried.kind).toBe('applied');
    expect(dog.notifier.sent.map((n) => n.severity)).toEqual(['FAILED']);
  });

  it('fails before touching the state when the timeline write times out, and a retry applies the event', async () => {
    // Prepare
    let timeOut = true;
    const { store } = await interceptedStore(
      faults((command) =>
        timeOut && command.name === 'PutItemCommand' && !isStateWrite(command) ? timedOut() : undefined,
      ),
    );
    const dog = watchdog(store, { now: iso('10:00') });
    const started = stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS');

    // Act
    await expect(applyEvent(started, dog.deps)).rejects.toThrow('socket hang up');
    const untouched = await store.loadService(apiKey);
    timeOut = false;
    const retried = await applyEvent(started, dog.deps);

    // Assess
    expect(untouched.stacks).toEqual([]);
    expect(retried.kind).toBe('applied');
    expect((await store.stackHistory(started.stackId)).map((event) => event.status)).toEqual(['UPDATE_IN_PROGRESS']);
  });

  it('sends FAILED twice when SNS accepted it but marking it sent failed: the one window for a duplicate', async () => {
    // Prepare: of the failure's two stack writes (the claim of FAILED; FAILED marked sent), the mark is throttled.
    let stateWrites = 0;
    let armed = false;
    const { store } = await interceptedStore(
      faults((command) => {
        if (!armed || !isStateWrite(command)) return undefined;
        stateWrites += 1;
        return stateWrites === 2 ? throttled() : undefined;
      }),
    );
    const dog = watchdog(store, { now: iso('10:03') });
    await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS'), dog.deps);
    armed = true;

    // Act
    await expect(applyEvent(stackStatus(api, iso('10:03'), 'CREATE_FAILED'), dog.deps)).rejects.toThrow(
      ProvisionedThroughputExceededException,
    );
    dog.clock.set(iso('10:05'));
    const afterLease = await sweep(dog.deps);
    dog.clock.set(iso('10:06'));
    const later = await sweep(dog.deps);

    // Assess
    expect(dog.notifier.sent.map((n) => [n.severity, new Date(n.at).toISOString()])).toEqual([
      ['FAILED', '2024-03-05T10:03:00.000Z'],
      ['FAILED', '2024-03-05T10:05:00.000Z'],
    ]);
    expect([afterLease, later].map((result) => result.notifications.length)).toEqual([1, 0]);
    expect((await claimsIn(store, apiKey)).map((claim) => claim.delivery.state)).toEqual(['sent']);
  });
});

describe('sweep under faults', () => {
  it('sends the WARNING once, a sweep later, when DescribeStacks is throttled', async () => {
    // Prepare
    const { store } = await interceptedStore(() => undefined);
    let throttle = true;
    const inspector: StackInspector = {
      async describe() {
        if (throttle) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
        return { exists: true, status: 'UPDATE_IN_PROGRESS', statusReason: '', lastUpdatedAt: null };
      },
    };
    const dog = watchdog(store, { now: iso('10:00'), inspector });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    dog.clock.set(iso('10:20'));
    await expect(sweep(dog.deps)).rejects.toThrow('Rate exceeded');
    throttle = false;
    dog.clock.set(iso('10:21'));
    const next = await sweep(dog.deps);
    dog.clock.set(iso('10:22'));
    const after = await sweep(dog.deps);

    // Assess
    expect([next, after].map((result) => result.notifications.map((n) => n.severity))).toEqual([['WARNING'], []]);
    expect(dog.notifier.sent).toHaveLength(1);
  });

  it("keeps sweeping the other services when one service's state write times out", async () => {
    // Prepare
    let timeOutFor: string | null = null;
    const { store } = await interceptedStore(
      faults((command) => {
        const key = String(
          (command.input.Key as Record<string, unknown> | undefined)?.PK ??
            (command.input.Item as Record<string, unknown> | undefined)?.PK ??
            '',
        );
        return timeOutFor !== null && key === timeOutFor && command.name === 'PutItemCommand' ? timedOut() : undefined;
      }),
    );
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus({ name: 'a' }, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await applyEvent(stackStatus({ name: 'b' }, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    timeOutFor = 'SERVICE#123456789012#eu-west-1#a';

    // Act
    dog.clock.set(iso('10:20'));
    const failed = sweep(dog.deps);
    await expect(failed).rejects.toThrow('could not be sent');
    timeOutFor = null;
    dog.clock.set(iso('10:21'));
    const next = await sweep(dog.deps);

    // Assess: b's WARNING went out on time; a's a sweep later; each once.
    expect(
      dog.notifier.sent.map((n) => `${n.severity} ${n.stackName} ${new Date(n.at).toISOString().slice(11, 16)}`),
    ).toEqual(['WARNING b 10:20', 'WARNING a 10:21']);
    expect(next.notifications.map((n) => n.stackName)).toEqual(['a']);
  });
});
