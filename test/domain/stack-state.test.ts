import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import { claimFor, dueAtSweep, dueOnEvent, reportedStatus, stillWorthSending } from '../../shared/domain/due.ts';
import type { Claim } from '../../shared/domain/claims.ts';
import { isStale } from '../../shared/domain/outbox.ts';
import * as stackState from '../../shared/domain/stack-state.ts';
import { stackNeedsSweep } from '../../shared/domain/operation-view.ts';
import {
  countsForRules,
  emptyFixture,
  recordsOf,
  sentAs,
  viewService,
  withClaims,
  withStackFacts,
  withStatusRecord,
  type ServiceFixture,
} from '../support/service-fixture.ts';
import type { Severity } from '../../shared/domain/severity.ts';
import type { OperationType } from '../../shared/domain/status.ts';
import { parseThresholds } from '../../shared/domain/thresholds.ts';
import { MIN, rec, stack, t } from './fixtures.ts';
import { NO_FACTS } from '../../shared/domain/stack-facts.ts';

const KEY = { account: '123456789012', region: 'eu-west-1', service: 'api' };
const CONFIG: WatchdogConfig = DEFAULT_CONFIG;
const API = stack('api');
const WORKER = stack('api-worker');

function stateWith(records: readonly StatusRecord[], claims: readonly Claim[] = []): ServiceFixture {
  let state = emptyFixture(KEY);
  for (const record of records) state = withStatusRecord(state, record).state;
  return withClaims(state, claims);
}

function claim(
  on: typeof API,
  anchor: string,
  severity: Severity,
  sentAt: string | null = anchor,
  operation: OperationType = 'UPDATE',
): Claim {
  return {
    stackId: on.stackId,
    anchor: t(anchor),
    operation,
    severity,
    claimedAt: t(sentAt ?? anchor),
    ...sentAs(sentAt === null ? null : t(sentAt)),
  };
}

const severities = (dues: readonly { severity: Severity }[]): Severity[] => dues.map((due) => due.severity);

describe('withStatusRecord', () => {
  it('adds a new event and reports a change', () => {
    // Prepare
    const state = emptyFixture(KEY);
    const record = rec(API, '10:00', 'UPDATE_IN_PROGRESS');

    // Act
    const result = withStatusRecord(state, record);

    // Assess
    expect(result.changed).toBe(true);
    expect(recordsOf(result.state)).toEqual([record]);
  });

  it('reports a duplicate (same stack, time and status) as unchanged and keeps the state as it was', () => {
    // Prepare
    const record = rec(API, '10:00', 'UPDATE_IN_PROGRESS', 'User Initiated');
    const state = stateWith([record]);

    // Act
    const result = withStatusRecord(state, { ...record });

    // Assess
    expect(result.changed).toBe(false);
    expect(result.state).toBe(state);
  });

  it('reports a duplicate without the reason as unchanged', () => {
    // Prepare
    const state = stateWith([rec(API, '10:00', 'UPDATE_IN_PROGRESS', 'User Initiated')]);

    // Act
    const result = withStatusRecord(state, rec(API, '10:00', 'UPDATE_IN_PROGRESS', ''));

    // Assess
    expect(result.changed).toBe(false);
    expect(recordsOf(result.state).map((record) => record.statusReason)).toEqual(['User Initiated']);
  });

  it('replaces a kept copy without reason by a copy with one, still as one event', () => {
    // Prepare
    const state = stateWith([rec(API, '10:00', 'UPDATE_IN_PROGRESS', '')]);

    // Act
    const result = withStatusRecord(state, rec(API, '10:00', 'UPDATE_IN_PROGRESS', 'User Initiated'));

    // Assess
    expect(result.changed).toBe(true);
    expect(recordsOf(result.state)).toEqual([rec(API, '10:00', 'UPDATE_IN_PROGRESS', 'User Initiated')]);
  });

  it("keeps a stack's events in time order whatever the order they arrive in", () => {
    // Prepare
    const late = rec(API, '10:00', 'UPDATE_IN_PROGRESS');
    const state = stateWith([
      rec(API, '10:30', 'UPDATE_COMPLETE'),
      rec(API, '10:10', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
    ]);

    // Act
    const result = withStatusRecord(state, late);

    // Assess
    expect(recordsOf(result.state).map((record) => record.time)).toEqual([t('10:00'), t('10:10'), t('10:30')]);
  });

  it('leaves the version and the claims alone, and marks the event for the next walk of the windows', () => {
    // Prepare
    const [stack] = stateWith([rec(API, '09:00', 'UPDATE_IN_PROGRESS')], [claim(API, '09:00', 'WARNING')]).stacks;
    const state = { ...(stack as stackState.StackState), version: 7, unwalkedSince: null };

    // Act
    const result = stackState.withStatusRecord(state, rec(API, '08:00', 'CREATE_COMPLETE'));

    // Assess
    expect(result.state.version).toBe(7);
    expect(result.state.claims).toEqual(state.claims);
    expect(result.state.unwalkedSince).toBe(t('08:00'));
  });
});

describe('viewService', () => {
  it("lists the operations of all stacks by start, each with its severity and its stack's latest event", () => {
    // Prepare
    const state = stateWith([
      rec(WORKER, '10:05', 'UPDATE_IN_PROGRESS'),
      rec(API, '10:00', 'DELETE_IN_PROGRESS'),
      rec(API, '10:10', 'DELETE_FAILED', 'Role is invalid'),
    ]);

    // Act
    const view = viewService(state, t('10:30'), CONFIG);

    // Assess
    expect(view.key).toEqual(KEY);
    expect(
      view.operations.map((op) => [
        op.operation.stackName,
        op.operation.type,
        op.operation.state,
        op.severity,
        op.latest.status,
      ]),
    ).toEqual([
      ['api', 'DELETE', 'ended', 'FAILED', 'DELETE_FAILED'],
      ['api-worker', 'UPDATE', 'running', 'WARNING', 'UPDATE_IN_PROGRESS'],
    ]);
  });

  it('derives the windows of the service', () => {
    // Prepare
    const state = stateWith([rec(API, '10:00', 'DELETE_IN_PROGRESS')]);

    // Act
    const view = viewService(state, t('10:41'), CONFIG);

    // Assess
    expect(view.windows).toEqual([
      { start: t('10:00'), end: null, peakSeverity: 'CRITICAL', stacks: ['api'], awaitingReplacementSince: null },
    ]);
  });

  it.each([
    ['an operation runs (yes)', [rec(API, '10:00', 'UPDATE_IN_PROGRESS')], [], false, true],
    [
      'everything ended and every claim was sent (no)',
      [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:30', 'UPDATE_COMPLETE')],
      [claim(API, '10:00', 'WARNING', '10:20')],
      false,
      false,
    ],
    [
      'a claim is not sent yet (yes)',
      [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:30', 'UPDATE_COMPLETE')],
      [claim(API, '10:00', 'RESOLVED', null)],
      false,
      true,
    ],
    [
      "its service's windows were not derived from its events yet (yes)",
      [rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(API, '10:30', 'DELETE_COMPLETE')],
      [],
      true,
      true,
    ],
  ])('tells whether a stack needs a sweep when %s', (_what, records, claims, unwalked, expected) => {
    // Prepare
    const [stack] = stateWith(records, claims).stacks;
    const state = { ...(stack as stackState.StackState), unwalkedSince: unwalked ? t('10:00') : null };

    // Act / Assess
    expect(stackNeedsSweep(state)).toBe(expected);
  });
});

describe('dueAtSweep', () => {
  it.each([
    ['19m59s', '10:19:59', [], []],
    ['exactly 20 min', '10:20', [], ['WARNING']],
    ['39m59s', '10:39:59', [], ['WARNING']],
    ['exactly 40 min, nothing sent yet: CRITICAL only', '10:40', [], ['CRITICAL']],
    ['50 min, nothing sent yet: CRITICAL only', '10:50', [], ['CRITICAL']],
    ['25 min, WARNING sent', '10:25', ['WARNING'], []],
    ['45 min, WARNING sent', '10:45', ['WARNING'], ['CRITICAL']],
    ['45 min, CRITICAL sent', '10:45', ['CRITICAL'], []],
    ['3 h, WARNING and CRITICAL sent', '13:00', ['WARNING', 'CRITICAL'], []],
  ] as const)('with a delete that ran %s (now %s, already sent %j) gives %j', (_what, now, sent, expected) => {
    // Prepare
    const state = stateWith(
      [rec(API, '10:00', 'DELETE_IN_PROGRESS')],
      sent.map((severity) => claim(API, '10:00', severity)),
    );

    // Act
    const due = dueAtSweep(viewService(state, t(now), CONFIG).operations);

    // Assess
    expect(severities(due)).toEqual([...expected]);
  });

  it('never gives WARNING after CRITICAL, also when the thresholds were passed in one go', () => {
    // Prepare
    const state = stateWith([rec(API, '10:00', 'DELETE_IN_PROGRESS')], [claim(API, '10:00', 'CRITICAL', '10:41')]);

    // Act
    const due = [t('10:41'), t('10:42'), t('12:00')].flatMap((now) =>
      dueAtSweep(viewService(state, now, CONFIG).operations),
    );

    // Assess
    expect(due).toEqual([]);
  });

  it("reports the stack's latest status event", () => {
    // Prepare
    const latest = rec(API, '10:04', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'cleaning up');
    const state = stateWith([rec(API, '10:00', 'UPDATE_IN_PROGRESS'), latest]);

    // Act
    const [due] = dueAtSweep(viewService(state, t('10:20'), CONFIG).operations);

    // Assess
    expect(due?.severity).toBe('WARNING');
    expect(due?.status).toEqual(latest);
    expect(due?.view.operation.start).toBe(t('10:00'));
  });

  it('uses the thresholds of the operation type', () => {
    // Prepare
    const config = { ...CONFIG, thresholds: parseThresholds('DELETE=10m/15m,*=20m/40m') };
    const state = stateWith([rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(WORKER, '10:00', 'UPDATE_IN_PROGRESS')]);

    // Act
    const due = dueAtSweep(viewService(state, t('10:12'), config).operations);

    // Assess
    expect(due.map((d) => [d.view.operation.stackName, d.severity])).toEqual([['api', 'WARNING']]);
  });

  it.each([
    ['ended', [rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(API, '10:50', 'DELETE_COMPLETE')]],
    ['ended in failure', [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:50', 'UPDATE_ROLLBACK_COMPLETE')]],
  ])('gives nothing for an operation that %s, however long it ran', (_what, records) => {
    // Prepare
    const state = stateWith(records);

    // Act
    const due = dueAtSweep(viewService(state, t('12:00'), CONFIG).operations);

    // Assess
    expect(due).toEqual([]);
  });

  it('never escalates an abandoned operation, only the running one after it', () => {
    // Prepare: the UPDATE's terminal event never arrived; a DELETE began 50 min later.
    const state = stateWith([rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:50', 'DELETE_IN_PROGRESS')]);

    // Act
    const due = dueAtSweep(viewService(state, t('11:10'), CONFIG).operations);

    // Assess
    expect(due.map((d) => [d.view.operation.type, d.view.operation.start, d.severity])).toEqual([
      ['DELETE', t('10:50'), 'WARNING'],
    ]);
  });

  it('escalates each running operation of the service on its own', () => {
    // Prepare
    const state = stateWith(
      [rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(WORKER, '10:15', 'UPDATE_IN_PROGRESS')],
      [claim(API, '10:00', 'WARNING')],
    );

    // Act
    const due = dueAtSweep(viewService(state, t('10:40'), CONFIG).operations);

    // Assess
    expect(due.map((d) => [d.view.operation.stackName, d.severity])).toEqual([
      ['api', 'CRITICAL'],
      ['api-worker', 'WARNING'],
    ]);
  });
});

describe('dueOnEvent', () => {
  const failedDelete = [rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(API, '10:10', 'DELETE_FAILED', 'Role is invalid')];
  const slowUpdate = [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:45', 'UPDATE_COMPLETE')];

  it('gives FAILED for an operation that ended in a failure status, reporting the terminal event', () => {
    // Prepare
    const state = stateWith([...failedDelete, rec(API, '10:20', 'STACK_SOMETHING_NEW')]);

    // Act
    const due = dueOnEvent(viewService(state, t('10:30'), CONFIG).operations);

    // Assess
    expect(severities(due)).toEqual(['FAILED']);
    expect(due[0]?.status).toEqual({
      stackId: API.stackId,
      stackName: 'api',
      time: t('10:10'),
      status: 'DELETE_FAILED',
      statusReason: 'Role is invalid',
    });
  });

  it('gives FAILED once: not again when it was claimed', () => {
    // Prepare
    const state = stateWith(failedDelete, [claim(API, '10:00', 'FAILED', '10:10')]);

    // Act
    const due = dueOnEvent(viewService(state, t('10:30'), CONFIG).operations);

    // Assess
    expect(due).toEqual([]);
  });

  it('gives FAILED, not RESOLVED, for an escalated operation that ended in failure', () => {
    // Prepare
    const state = stateWith(
      [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '10:30', 'UPDATE_ROLLBACK_IN_PROGRESS'),
        rec(API, '10:35', 'UPDATE_ROLLBACK_COMPLETE'),
      ],
      [claim(API, '10:00', 'WARNING', '10:20')],
    );

    // Act
    const due = dueOnEvent(viewService(state, t('10:35'), CONFIG).operations);

    // Assess
    expect(severities(due)).toEqual(['FAILED']);
  });

  it.each([
    ['WARNING', [claim(API, '10:00', 'WARNING', '10:20')]],
    ['CRITICAL', [claim(API, '10:00', 'CRITICAL', '10:40')]],
    ['WARNING and CRITICAL', [claim(API, '10:00', 'WARNING', '10:20'), claim(API, '10:00', 'CRITICAL', '10:40')]],
  ])('gives RESOLVED for a successful operation that was escalated with %s', (_what, claims) => {
    // Prepare
    const state = stateWith(slowUpdate, claims);

    // Act
    const due = dueOnEvent(viewService(state, t('10:45'), CONFIG).operations);

    // Assess
    expect(severities(due)).toEqual(['RESOLVED']);
    expect(due[0]?.status).toMatchObject({ time: t('10:45'), status: 'UPDATE_COMPLETE' });
  });

  it('gives RESOLVED once', () => {
    // Prepare
    const state = stateWith(slowUpdate, [
      claim(API, '10:00', 'WARNING', '10:20'),
      claim(API, '10:00', 'RESOLVED', '10:45'),
    ]);

    // Act
    const due = dueOnEvent(viewService(state, t('10:50'), CONFIG).operations);

    // Assess
    expect(due).toEqual([]);
  });

  it('gives nothing for a successful operation that was never escalated, even a slow one delivered late', () => {
    // Prepare
    const state = stateWith(slowUpdate);

    // Act
    const due = dueOnEvent(viewService(state, t('10:45'), CONFIG).operations);

    // Assess
    expect(due).toEqual([]);
  });

  it('gives nothing for a running or an abandoned operation', () => {
    // Prepare
    const state = stateWith(
      [rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:50', 'DELETE_IN_PROGRESS')],
      [claim(API, '10:00', 'WARNING', '10:20'), claim(API, '10:50', 'WARNING', '11:10')],
    );

    // Act
    const due = dueOnEvent(viewService(state, t('11:15'), CONFIG).operations);

    // Assess
    expect(due).toEqual([]);
  });
});

describe('claims and their operations (anchor rule)', () => {
  it('keep a WARNING with its operation when a late event moves the start earlier', () => {
    // Prepare: the UPDATE_IN_PROGRESS of 10:00 is delivered late; the sweeper saw the cleanup first.
    const seen = stateWith([rec(API, '10:05', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')]);
    const [warning] = dueAtSweep(viewService(seen, t('10:25'), CONFIG).operations);
    if (!warning) throw new Error('expected a WARNING due at 10:25');
    const claimed = withClaims(seen, [claimFor(warning, t('10:25'))]);

    // Act
    const after = withStatusRecord(claimed, rec(API, '10:00', 'UPDATE_IN_PROGRESS')).state;
    const view = viewService(after, t('10:30'), CONFIG);

    // Assess
    expect(warning.severity).toBe('WARNING');
    expect(view.operations).toHaveLength(1);
    expect(view.operations[0]?.operation.start).toBe(t('10:00'));
    expect(view.operations[0]?.claims.map((c) => [c.severity, c.anchor])).toEqual([['WARNING', t('10:05')]]);
    expect(dueAtSweep(view.operations)).toEqual([]);
    expect(severities(dueAtSweep(viewService(after, t('10:40'), CONFIG).operations))).toEqual(['CRITICAL']);
  });

  it('keep a claim with its operation when an earlier operation of the stack arrives late', () => {
    // Prepare
    const claimed = stateWith(
      [rec(API, '10:05', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS')],
      [claim(API, '10:05', 'WARNING', '10:25')],
    );

    // Act
    let after = withStatusRecord(claimed, rec(API, '09:00', 'CREATE_IN_PROGRESS')).state;
    after = withStatusRecord(after, rec(API, '09:05', 'CREATE_COMPLETE')).state;
    const view = viewService(after, t('10:30'), CONFIG);

    // Assess
    expect(view.operations.map((op) => [op.operation.type, op.claims.map((c) => c.severity)])).toEqual([
      ['CREATE', []],
      ['UPDATE', ['WARNING']],
    ]);
  });

  it('keep a claim with its operation, not an earlier one, when a late event moves its start earlier', () => {
    // Prepare: the stack was created at 09:00; the update's first event (10:00) arrives after the WARNING.
    const claimed = stateWith(
      [
        rec(API, '09:00', 'CREATE_IN_PROGRESS'),
        rec(API, '09:05', 'CREATE_COMPLETE'),
        rec(API, '10:05', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
      ],
      [claim(API, '10:05', 'WARNING', '10:25')],
    );

    // Act
    const after = withStatusRecord(claimed, rec(API, '10:00', 'UPDATE_IN_PROGRESS')).state;
    const view = viewService(after, t('10:30'), CONFIG);

    // Assess
    expect(
      view.operations.map((op) => [op.operation.type, op.operation.start, op.claims.map((c) => c.severity)]),
    ).toEqual([
      ['CREATE', t('09:00'), []],
      ['UPDATE', t('10:00'), ['WARNING']],
    ]);
    expect(dueAtSweep(view.operations)).toEqual([]);
  });

  it("do not carry over to the stack's next operation", () => {
    // Prepare
    const state = stateWith(
      [
        ...[rec(API, '10:00', 'UPDATE_IN_PROGRESS'), rec(API, '10:25', 'UPDATE_COMPLETE')],
        rec(API, '11:00', 'UPDATE_IN_PROGRESS'),
      ],
      [claim(API, '10:00', 'WARNING', '10:20'), claim(API, '10:00', 'RESOLVED', '10:25')],
    );

    // Act
    const view = viewService(state, t('11:20'), CONFIG);

    // Assess
    expect(view.operations.map((op) => op.claims.length)).toEqual([2, 0]);
    expect(dueAtSweep(view.operations).map((d) => [d.view.operation.start, d.severity])).toEqual([
      [t('11:00'), 'WARNING'],
    ]);
  });

  it('belong to their own stack only', () => {
    // Prepare
    const state = stateWith(
      [rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(WORKER, '10:00', 'DELETE_IN_PROGRESS')],
      [claim(API, '10:00', 'WARNING', '10:20')],
    );

    // Act
    const due = dueAtSweep(viewService(state, t('10:25'), CONFIG).operations);

    // Assess
    expect(due.map((d) => [d.view.operation.stackName, d.severity])).toEqual([['api-worker', 'WARNING']]);
  });
});

describe('claimFor', () => {
  it('anchors the claim at the operation start, unsent', () => {
    // Prepare
    const state = stateWith([rec(API, '10:00', 'DELETE_IN_PROGRESS')]);
    const [due] = dueAtSweep(viewService(state, t('10:41'), CONFIG).operations);
    if (!due) throw new Error('expected a due notification');

    // Act
    const claimed = claimFor(due, t('10:41'));

    // Assess
    expect(claimed).toEqual({
      stackId: API.stackId,
      anchor: t('10:00'),
      operation: 'DELETE',
      severity: 'CRITICAL',
      claimedAt: t('10:41'),
      delivery: { state: 'pending' },
      bus: { state: 'pending' },
    });
  });
});

describe('withClaimSent / withClaimRenewed / isStale', () => {
  const warning = claim(API, '10:00', 'WARNING', null);
  const critical = claim(API, '10:00', 'CRITICAL', null);
  const stackWith = (claims: readonly Claim[]): stackState.StackState =>
    stackState.withClaims(stackState.emptyStackState(KEY, API.stackId, API.stackName), claims);

  it('marks only the matching claim as sent', () => {
    // Prepare
    const state = stackWith([warning, critical]);

    // Act
    const sent = stackState.withClaimSent(state, warning, t('10:21'));

    // Assess
    expect(sent.claims.map((c) => [c.severity, c.delivery])).toEqual([
      ['WARNING', { state: 'sent', at: t('10:21') }],
      ['CRITICAL', { state: 'pending' }],
    ]);
  });

  it('lists unsent claims older than the lease, and not once renewed', () => {
    // Prepare: both claimed at 10:00; the lease is 2 min.
    const state = stackWith([warning, { ...critical, ...sentAs(t('10:01')) }]);
    const stale = (stack: stackState.StackState, now: number) =>
      stack.claims.filter((kept) => isStale(kept, now, 2 * MIN));

    // Act
    const [before, at, renewed] = [
      stale(state, t('10:01:59')),
      stale(state, t('10:02')),
      stale(stackState.withClaimRenewed(state, warning, t('10:02')), t('10:02')),
    ];

    // Assess
    expect(before).toEqual([]);
    expect(at.map((c) => c.severity)).toEqual(['WARNING']);
    expect(renewed).toEqual([]);
  });
});

describe('stillWorthSending', () => {
  const running = [rec(API, '10:00', 'DELETE_IN_PROGRESS')];
  const ended = [...running, rec(API, '10:21:30', 'DELETE_COMPLETE')];
  it.each([
    {
      case: 'a WARNING while its operation runs',
      records: running,
      claims: [claim(API, '10:00', 'WARNING', null)],
      severity: 'WARNING',
      worth: true,
    },
    {
      case: 'a WARNING after a CRITICAL was claimed',
      records: running,
      claims: [claim(API, '10:00', 'WARNING', null), claim(API, '10:00', 'CRITICAL')],
      severity: 'WARNING',
      worth: false,
    },
    {
      case: 'a CRITICAL while its operation runs',
      records: running,
      claims: [claim(API, '10:00', 'CRITICAL', null)],
      severity: 'CRITICAL',
      worth: true,
    },
    {
      case: 'a WARNING once its operation ended',
      records: ended,
      claims: [claim(API, '10:00', 'WARNING', null)],
      severity: 'WARNING',
      worth: false,
    },
    {
      case: 'a CRITICAL once its operation ended',
      records: ended,
      claims: [claim(API, '10:00', 'CRITICAL', null)],
      severity: 'CRITICAL',
      worth: false,
    },
    {
      case: 'a RESOLVED once its operation ended',
      records: ended,
      claims: [claim(API, '10:00', 'WARNING'), claim(API, '10:00', 'RESOLVED', null)],
      severity: 'RESOLVED',
      worth: true,
    },
  ] as const)('says $worth for $case', ({ records, claims, severity, worth }) => {
    // Prepare
    const opView = viewService(stateWith(records, claims), t('10:30'), CONFIG).operations[0];
    const pending = opView?.claims.find((kept) => kept.severity === severity);
    if (!opView || !pending) throw new Error('expected the operation and its claim');

    // Act
    const result = stillWorthSending(opView, pending);

    // Assess
    expect(result).toBe(worth);
  });
});

describe('reportedStatus', () => {
  it("reports the terminal event for FAILED and RESOLVED and the stack's latest for WARNING", () => {
    // Prepare
    const state = stateWith([
      rec(API, '10:00', 'DELETE_IN_PROGRESS'),
      rec(API, '10:10', 'DELETE_FAILED', 'Role is invalid'),
      rec(API, '10:15', 'STACK_SOMETHING_NEW', 'later'),
    ]);
    const [opView] = viewService(state, t('10:30'), CONFIG).operations;
    if (!opView) throw new Error('expected an operation');

    // Act
    const [failed, warning] = [reportedStatus(opView, 'FAILED'), reportedStatus(opView, 'WARNING')];

    // Assess
    expect(failed).toMatchObject({ time: t('10:10'), status: 'DELETE_FAILED', statusReason: 'Role is invalid' });
    expect(warning).toMatchObject({ time: t('10:15'), status: 'STACK_SOMETHING_NEW', statusReason: 'later' });
  });
});

describe('claims of operations that start in the same second', () => {
  it('keep a FAILED with the create that failed, not with the deletion that followed in that second', () => {
    // Prepare: the create fails at once and the stack is deleted, all within 10:00:00.
    const failed = stateWith([rec(API, '10:00', 'CREATE_IN_PROGRESS'), rec(API, '10:00', 'CREATE_FAILED')]);
    const [due] = dueOnEvent(viewService(failed, t('10:00'), CONFIG).operations);
    if (!due) throw new Error('expected FAILED to be due');
    let state = withClaims(failed, [{ ...claimFor(due, t('10:00')), ...sentAs(t('10:00')) }]);

    // Act
    for (const record of [rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(API, '10:00', 'DELETE_COMPLETE')])
      state = withStatusRecord(state, record).state;

    // Assess
    const view = viewService(state, t('10:01'), CONFIG);
    expect(dueOnEvent(view.operations)).toEqual([]);
    expect(
      view.operations
        .filter((opView) => opView.claims.length > 0)
        .map((opView) => [opView.operation.type, opView.severity]),
    ).toEqual([['CREATE', 'FAILED']]);
  });
});

describe('terminal notifications under reordering (exactly once per operation: stack and start)', () => {
  /** Applies records in this order, claiming what falls due on each event as the stack-events handler does. */
  function delivered(
    records: readonly StatusRecord[],
    claims: readonly Claim[] = [],
  ): { state: ServiceFixture; sent: [Severity, number, string][] } {
    let state = stateWith([], claims);
    const sent: [Severity, number, string][] = [];
    for (const record of records) {
      state = withStatusRecord(state, record).state;
      const due = dueOnEvent(viewService(state, record.time + 1000, CONFIG).operations);
      state = withClaims(
        state,
        due.map((item) => ({ ...claimFor(item, record.time + 1000), sentAt: record.time + 1000 })),
      );
      sent.push(
        ...due.map((item): [Severity, number, string] => [
          item.severity,
          item.view.operation.start,
          item.status.status,
        ]),
      );
    }
    return { state, sent };
  }

  it(
    "sends nothing more when an escalated update's own end arrives after the next update's end was taken " + 'for it',
    () => {
      // Prepare: a 30-minute update (WARNING sent), then a second update; the second one's
      // UPDATE_COMPLETE (11:05) arrives first, while the first's end and the second's start are late.
      const warned = [claim(API, '10:00', 'WARNING', '10:20')];
      const order = [
        rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
        rec(API, '11:05', 'UPDATE_COMPLETE'),
        rec(API, '10:30', 'UPDATE_COMPLETE'),
        rec(API, '11:00', 'UPDATE_IN_PROGRESS'),
      ];

      // Act
      const { sent, state } = delivered(order, warned);

      // Assess
      expect(sent).toEqual([['RESOLVED', t('10:00'), 'UPDATE_COMPLETE']]);
      const view = viewService(state, t('11:10'), CONFIG);
      expect(view.operations.map((op) => [op.operation.start, op.claims.map((c) => c.severity)])).toEqual([
        [t('10:00'), ['WARNING', 'RESOLVED']],
        [t('11:00'), []],
      ]);
    },
  );

  it('still sends the next operation its own FAILED when its failure was taken for the end of the one before', () => {
    // Prepare: the first update's UPDATE_COMPLETE and the second's start are late; the second's
    // failure arrives first and is paged as the first's.
    const order = [
      rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
      rec(API, '11:05', 'UPDATE_ROLLBACK_COMPLETE'),
      rec(API, '10:30', 'UPDATE_COMPLETE'),
      rec(API, '11:00', 'UPDATE_IN_PROGRESS'),
    ];

    // Act
    const { sent, state } = delivered(order);

    // Assess: the failure gets its own FAILED once its start is known (standing alone, it was
    // reported already, as the first update's).
    expect(sent).toEqual([
      ['FAILED', t('10:00'), 'UPDATE_ROLLBACK_COMPLETE'],
      ['FAILED', t('11:00'), 'UPDATE_ROLLBACK_COMPLETE'],
    ]);
    const view = viewService(state, t('11:10'), CONFIG);
    expect(view.operations.map((op) => [op.operation.start, op.claims.map((c) => c.severity)])).toEqual([
      [t('10:00'), ['FAILED']],
      [t('11:00'), ['FAILED']],
    ]);
  });

  it('pages a DELETE_FAILED once when the retry that began in its second turns out to be what it ended', () => {
    // Prepare: a deletion (09:53) is retried at 10:03:25 and that retry fails at 10:08:03; the
    // retry's DELETE_IN_PROGRESS comes first, the first deletion's events last.
    const order = [
      rec(API, '10:03:25', 'DELETE_IN_PROGRESS'),
      rec(API, '10:08:03', 'DELETE_FAILED'),
      rec(API, '10:03:25', 'DELETE_FAILED'),
      rec(API, '09:53', 'DELETE_IN_PROGRESS'),
    ];

    // Act
    const { sent } = delivered(order);

    // Assess
    expect(sent).toEqual([
      ['FAILED', t('10:03:25'), 'DELETE_FAILED'],
      ['FAILED', t('09:53'), 'DELETE_FAILED'],
    ]);
  });

  it('sends FAILED once for a DELETE_FAILED and nothing for its successful retry in the same second', () => {
    // Prepare
    const order = [
      rec(API, '10:00', 'DELETE_IN_PROGRESS'),
      rec(API, '10:30', 'DELETE_IN_PROGRESS'),
      rec(API, '10:30', 'DELETE_FAILED'),
      rec(API, '10:40', 'DELETE_COMPLETE'),
    ];

    // Act
    const { sent, state } = delivered(order);

    // Assess
    expect(sent).toEqual([['FAILED', t('10:00'), 'DELETE_FAILED']]);
    expect(dueOnEvent(viewService(state, t('11:00'), CONFIG).operations)).toEqual([]);
  });
});

describe('continue-update-rollback', () => {
  const stuck = [
    rec(API, '10:00', 'UPDATE_IN_PROGRESS'),
    rec(API, '10:05', 'UPDATE_ROLLBACK_IN_PROGRESS'),
    rec(API, '10:20', 'UPDATE_ROLLBACK_FAILED', 'Resource handler returned message: "Function not found"'),
  ];

  it(
    'sends RESOLVED when the resumed rollback reaches UPDATE_ROLLBACK_COMPLETE, although it was never ' + 'escalated',
    () => {
      // Prepare
      const state = stateWith(
        [
          ...stuck,
          rec(API, '11:00', 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated'),
          rec(API, '11:04', 'UPDATE_ROLLBACK_COMPLETE'),
        ],
        [claim(API, '10:00', 'FAILED', '10:20')],
      );

      // Act
      const due = dueOnEvent(viewService(state, t('11:05'), CONFIG).operations);

      // Assess
      expect(due.map((item) => [item.severity, item.view.operation.start, item.status.status])).toEqual([
        ['RESOLVED', t('11:00'), 'UPDATE_ROLLBACK_COMPLETE'],
      ]);
      expect(due[0]?.view.severity).toBeNull();
    },
  );

  it('sends FAILED when the resumed rollback fails again', () => {
    // Prepare
    const state = stateWith(
      [...stuck, rec(API, '11:00', 'UPDATE_ROLLBACK_IN_PROGRESS'), rec(API, '11:04', 'UPDATE_ROLLBACK_FAILED')],
      [claim(API, '10:00', 'FAILED', '10:20')],
    );

    // Act
    const due = dueOnEvent(viewService(state, t('11:05'), CONFIG).operations);

    // Assess
    expect(due.map((item) => [item.severity, item.view.operation.start])).toEqual([['FAILED', t('11:00')]]);
  });

  it('closes the window the failed rollback left open when the stack is stable again', () => {
    // Prepare
    const state = stateWith([
      ...stuck,
      rec(API, '11:00', 'UPDATE_ROLLBACK_IN_PROGRESS'),
      rec(API, '11:04', 'UPDATE_ROLLBACK_COMPLETE'),
    ]);

    // Act
    const { windows } = viewService(state, t('12:00'), CONFIG);

    // Assess
    expect(windows.map((window) => [window.start, window.end, window.peakSeverity])).toEqual([
      [t('10:00'), t('11:04'), 'FAILED'],
    ]);
  });
});

describe("a status dated after its stack's DELETE_COMPLETE", () => {
  it('is kept in the state, ignored by the rules, and opens no window, whatever the order it arrives in', () => {
    // Prepare
    const deletion = [rec(API, '10:00', 'DELETE_IN_PROGRESS'), rec(API, '10:45', 'DELETE_COMPLETE')];
    const after = rec(API, '11:00', 'UPDATE_IN_PROGRESS');

    // Act
    const [first, last] = [stateWith([after, ...deletion]), stateWith([...deletion, after])];

    // Assess
    for (const state of [first, last]) {
      expect(recordsOf(state)).toContainEqual(after);
      expect(countsForRules(state, after)).toBe(false);
      const view = viewService(state, t('14:00'), CONFIG);
      expect(view.operations.map((op) => op.operation.state)).toEqual(['ended']);
      expect(view.windows.map((window) => [window.start, window.end])).toEqual([[t('10:00'), t('10:45')]]);
      expect(state.stacks.map((stack) => stackNeedsSweep({ ...stack, unwalkedSince: null }))).toEqual([false]);
    }
  });
});

describe('withStackFacts', () => {
  const core = stack('core', '00000000-0000-0000-0000-00000000000a');
  const scan = stack('core-Scan-1AB', '00000000-0000-0000-0000-00000000000b');
  const key = { account: '123456789012', region: 'eu-west-1', service: 'core' };
  const base = withStatusRecord(
    withStatusRecord(emptyFixture(key), rec(core, '10:00', 'DELETE_IN_PROGRESS')).state,
    rec(scan, '10:00:03', 'DELETE_IN_PROGRESS'),
  ).state;

  const coreStack = base.stacks.find((kept) => kept.stackId === core.stackId) as stackState.StackState;
  it.each([
    ['a plain root', coreStack, NO_FACTS, false, { mutedByTag: false, rootStackId: null }],
    [
      'a nested stack',
      coreStack,
      { ...NO_FACTS, rootStackId: scan.stackId },
      true,
      { mutedByTag: false, rootStackId: scan.stackId },
    ],
    [
      'a stack muted by tag',
      coreStack,
      { ...NO_FACTS, mutedByTag: true },
      true,
      { mutedByTag: true, rootStackId: null },
    ],
    [
      'what is known already',
      { ...coreStack, mutedByTag: true },
      { serviceTag: 'ignored', mutedByTag: true, rootStackId: null },
      false,
      { mutedByTag: true, rootStackId: null },
    ],
    [
      'a tag that was removed',
      { ...coreStack, mutedByTag: true },
      NO_FACTS,
      true,
      { mutedByTag: false, rootStackId: null },
    ],
  ])('keeps %s as it should', (_case, state, facts, changed, kept) => {
    // Act
    const result = stackState.withStackFacts(state, facts);

    // Assess
    expect(result.changed).toBe(changed);
    expect({ mutedByTag: result.state.mutedByTag, rootStackId: result.state.rootStackId }).toEqual(kept);
  });

  const deleted = stackState.withStatusRecord(coreStack, rec(core, '10:20', 'DELETE_COMPLETE')).state;
  it.each([
    ['a stack its tag mutes', { ...coreStack, mutedByTag: true }, true],
    ['a stack not muted by tag', coreStack, false],
    ['a muted stack deleted', { ...deleted, mutedByTag: true }, false],
    [
      'a muted stack with an event dated after its deletion',
      stackState.withStatusRecord({ ...deleted, mutedByTag: true }, rec(core, '10:30', 'UPDATE_IN_PROGRESS')).state,
      false,
    ],
  ])('lists as muted by tag %s: %s', (_case, state, listed) => {
    // Act
    const result = stackState.listedAsMuted(state);

    // Assess
    expect(result).toBe(listed);
  });

  it("makes a nested stack's operations muted and names their root", () => {
    // Act
    const view = viewService(
      withStackFacts(base, scan.stackId, { ...NO_FACTS, rootStackId: core.stackId }),
      t('10:25'),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(view.operations.map((op) => [op.operation.stackName, op.quiet, op.rootStackId])).toEqual([
      ['core', null, null],
      ['core-Scan-1AB', 'nested', core.stackId],
    ]);
    expect(
      dueAtSweep(view.operations).map((due) => [due.severity, due.view.operation.stackName, due.view.quiet]),
    ).toEqual([
      ['WARNING', 'core', null],
      ['WARNING', 'core-Scan-1AB', 'nested'],
    ]);
  });

  it("lets a nested deletion still hanging after its root's operation failed page on its own", () => {
    // Prepare: the root's deletion fails at 10:10; its nested stack's deletion goes on.
    const failedRoot = withStatusRecord(
      base,
      rec(core, '10:10', 'DELETE_FAILED', 'The following resource(s) failed to delete: [Scan].'),
    ).state;
    const state = withStackFacts(failedRoot, scan.stackId, { ...NO_FACTS, rootStackId: core.stackId });

    // Act
    const view = viewService(state, t('10:25'), DEFAULT_CONFIG);

    // Assess
    expect(view.operations.map((op) => [op.operation.stackName, op.operation.state, op.quiet])).toEqual([
      ['core', 'ended', null],
      ['core-Scan-1AB', 'running', null],
    ]);
    expect(dueAtSweep(view.operations).map((due) => [due.severity, due.view.operation.stackName])).toEqual([
      ['WARNING', 'core-Scan-1AB'],
    ]);
  });

  it("keeps a nested operation quiet that ended before its root's did", () => {
    // Prepare
    let state = withStackFacts(base, scan.stackId, { ...NO_FACTS, rootStackId: core.stackId });
    state = withStatusRecord(state, rec(scan, '10:30', 'DELETE_FAILED')).state;
    state = withStatusRecord(state, rec(core, '10:31', 'DELETE_FAILED')).state;

    // Act
    const due = dueOnEvent(viewService(state, t('10:31'), DEFAULT_CONFIG).operations);

    // Assess
    expect(due.map((item) => [item.severity, item.view.operation.stackName, item.view.quiet])).toEqual([
      ['FAILED', 'core', null],
      ['FAILED', 'core-Scan-1AB', 'nested'],
    ]);
  });
});
