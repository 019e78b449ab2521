/**
 * Issue 18, part 3: the instants at which the sweeper escalates on time. Exact at the table's
 * cases, and, by brute force over every second of the horizon, exactly the seconds at which what
 * a sweep would find due changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Claim } from '../../shared/domain/claims.ts';
import { configFromText, type WatchdogConfig } from '../../shared/domain/config.ts';
import { dueAtSweep, escalationsFallingDue } from '../../shared/domain/due.ts';
import { viewOperations } from '../../shared/domain/operation-view.ts';
import type { Severity } from '../../shared/domain/severity.ts';
import { stackArn } from '../support/events.ts';
import { viewService } from '../support/service-fixture.ts';
import { record, serviceKey, stateOf, t } from '../support/states.ts';

const SECOND = 1000;
const HORIZON = 50 * SECOND;
const api = stackArn({ name: 'api' });
const config = configFromText({ thresholds: 'DELETE=20m/40m,*=20m/40m' });

function claim(severity: Severity, sentAt: string, repeat?: number): Claim {
  return {
    stackId: api,
    anchor: t('10:00'),
    operation: 'DELETE',
    severity,
    ...(repeat === undefined ? {} : { repeat }),
    claimedAt: t(sentAt),
    delivery: { state: 'sent', at: t(sentAt) },
  };
}

const deleting = (claims: readonly Claim[] = [], more: Parameters<typeof record>[] = []) =>
  stateOf(
    serviceKey('api'),
    [record('api', '10:00', 'DELETE_IN_PROGRESS'), ...more.map((args) => record(...args))],
    [...claims],
  );

describe('escalationsFallingDue', () => {
  it.each([
    { what: 'the WARNING threshold 30 s after the sweep', now: '10:19:30', claims: [], at: ['10:20:00'] },
    { what: 'the threshold at the horizon itself', now: '10:19:10', claims: [], at: ['10:20:00'] },
    { what: 'nothing past the horizon', now: '10:19:09', claims: [], at: [] },
    { what: 'nothing at the sweep itself (it is due now)', now: '10:20:00', claims: [], at: [] },
    {
      what: 'the CRITICAL once the WARNING went',
      now: '10:39:45',
      claims: [claim('WARNING', '10:20')],
      at: ['10:40:00'],
    },
    {
      what: 'the CRITICAL even before the WARNING went (a sweep that left it)',
      now: '10:39:45',
      claims: [],
      at: ['10:40:00'],
    },
    {
      what: 'nothing once CRITICAL went and reminders are off',
      now: '10:59:59',
      claims: [claim('CRITICAL', '10:40')],
      at: [],
    },
  ])('gives $what', ({ now, claims, at }) => {
    // Prepare
    const views = viewService(deleting(claims), t(now), config).operations;

    // Act
    const falling = escalationsFallingDue(views, t(now), t(now) + HORIZON);

    // Assess
    expect(falling.map((item) => item.at)).toEqual(at.map(t));
    expect(falling.every((item) => item.view.operation.stackId === api)).toBe(true);
  });

  it('gives the next CRITICAL reminder, an interval after the last one went out', () => {
    // Prepare
    const every30 = configFromText({ repeatCriticalEvery: '30m' });
    const views = viewService(deleting([claim('CRITICAL', '10:40:07')]), t('11:09:30'), every30).operations;

    // Act / Assess
    expect(escalationsFallingDue(views, t('11:09:30'), t('11:09:30') + HORIZON).map((item) => item.at)).toEqual([
      t('11:10:07'),
    ]);
  });

  it('gives nothing for an operation that ended', () => {
    // Prepare
    const views = viewService(deleting([], [['api', '10:19:40', 'DELETE_COMPLETE']]), t('10:19:45'), config).operations;

    // Act / Assess
    expect(escalationsFallingDue(views, t('10:19:45'), t('10:19:45') + HORIZON)).toEqual([]);
  });

  it('waits for no muted operation (its claim is only recorded), but for a nested one', () => {
    // Prepare
    const muted = configFromText({ thresholds: 'DELETE=20m/40m,*=20m/40m', mutes: ['^api$'] });
    const [view] = viewService(deleting(), t('10:19:30'), config).operations;
    if (!view) throw new Error('no operation');

    // Act
    const ofMuted = escalationsFallingDue(
      viewService(deleting(), t('10:19:30'), muted).operations,
      t('10:19:30'),
      t('10:19:30') + HORIZON,
    );
    const ofNested = escalationsFallingDue([{ ...view, quiet: 'nested' }], t('10:19:30'), t('10:19:30') + HORIZON);

    // Assess
    expect(ofMuted).toEqual([]);
    expect(ofNested.map((item) => item.at)).toEqual([t('10:20:00')]);
  });

  it('rounds a threshold of a fraction of a second up to the whole second', () => {
    // Prepare: an adaptive threshold, k × p95, need not be whole seconds.
    const [view] = viewService(deleting(), t('10:04:30'), config).operations;
    if (!view) throw new Error('no operation');
    const adaptive = { ...view, threshold: { ...view.threshold, warnMs: 299_250.5, criticalMs: 598_501 } };

    // Act
    const falling = escalationsFallingDue([adaptive], t('10:04:30'), t('10:04:30') + HORIZON);

    // Assess
    expect(falling.map((item) => item.at)).toEqual([t('10:05:00')]);
  });

  it('lists the operations of one instant as sweeps list them, by start then stack id', () => {
    // Prepare: two deletions that began in the same second.
    const both = stateOf(serviceKey('api'), [
      record('worker', '10:00', 'DELETE_IN_PROGRESS'),
      record('api', '10:00', 'DELETE_IN_PROGRESS'),
    ]);
    const views = viewService(both, t('10:19:30'), config).operations;

    // Act
    const falling = escalationsFallingDue(views, t('10:19:30'), t('10:19:30') + HORIZON);

    // Assess
    expect(falling.map((item) => item.view.operation.stackName)).toEqual(views.map((view) => view.operation.stackName));
    expect(new Set(falling.map((item) => item.at))).toEqual(new Set([t('10:20:00')]));
  });
});

describe('escalationsFallingDue, against what a sweep at every second would find', () => {
  /** What a sweep at `at` finds due, as text. */
  const dueAt = (fixture: ReturnType<typeof stateOf>, at: number, settings: WatchdogConfig): string =>
    JSON.stringify(
      dueAtSweep(viewOperations(fixture.stacks, at, settings)).map((item) => [
        item.view.operation.stackId,
        item.severity,
        item.repeat ?? 0,
      ]),
    );

  it('gives exactly the seconds of the horizon at which that changes', () => {
    const scenario = fc.record({
      warnS: fc.integer({ min: 1, max: 2400 }),
      extraS: fc.integer({ min: 0, max: 2400 }),
      said: fc.constantFrom('nothing', 'WARNING', 'CRITICAL'),
      saidLateS: fc.integer({ min: 0, max: 900 }),
      remindS: fc.option(fc.integer({ min: 60, max: 3600 }), { nil: null }),
      ended: fc.boolean(),
      // Near what could fall due, or anywhere: a uniform `after` would seldom see a reminder come.
      aim: fc.constantFrom('warn', 'critical', 'reminder', 'anywhere'),
      beforeMs: fc.integer({ min: -5 * SECOND, max: 130 * SECOND }),
      anywhereMs: fc.integer({ min: 0, max: 3 * 3600 * SECOND }),
      horizonS: fc.integer({ min: 1, max: 120 }),
    });
    fc.assert(
      fc.property(
        scenario,
        ({ warnS, extraS, said, saidLateS, remindS, ended, aim, beforeMs, anywhereMs, horizonS }) => {
          // Prepare
          const settings = configFromText({
            thresholds: `*=${warnS}s/${warnS + extraS}s`,
            repeatCriticalEvery: remindS === null ? undefined : `${remindS}s`,
          });
          const start = t('10:00');
          const sentAt = start + (said === 'WARNING' ? warnS : warnS + extraS) * SECOND + saidLateS * SECOND;
          const aimedAt = {
            warn: start + warnS * SECOND,
            critical: start + (warnS + extraS) * SECOND,
            reminder: sentAt + (remindS ?? 0) * SECOND,
            anywhere: start + anywhereMs,
          }[aim];
          const after = Math.max(start, aim === 'anywhere' ? aimedAt : aimedAt - beforeMs);
          const afterMs = after - start;
          const claims: Claim[] =
            said === 'nothing' || sentAt > after
              ? []
              : [
                  {
                    stackId: api,
                    anchor: start,
                    operation: 'DELETE',
                    severity: said === 'WARNING' ? 'WARNING' : 'CRITICAL',
                    claimedAt: sentAt,
                    delivery: { state: 'sent', at: sentAt },
                  },
                ];
          const end = start + Math.floor(afterMs / 2 / SECOND) * SECOND;
          const fixture = stateOf(
            serviceKey('api'),
            [
              record('api', '10:00', 'DELETE_IN_PROGRESS'),
              ...(ended ? [{ ...record('api', '10:00', 'DELETE_COMPLETE'), time: Math.max(start + SECOND, end) }] : []),
            ].filter((kept) => kept.time <= after),
            claims,
          );
          const until = after + horizonS * SECOND;

          // Act
          const falling = escalationsFallingDue(viewOperations(fixture.stacks, after, settings), after, until);

          // Assess
          const changes: number[] = [];
          let before = dueAt(fixture, after, settings);
          for (let second = Math.floor(after / SECOND) * SECOND + SECOND; second <= until; second += SECOND) {
            const now = dueAt(fixture, second, settings);
            if (now !== before) changes.push(second);
            before = now;
          }
          expect(falling.map((item) => item.at)).toEqual(changes);
        },
      ),
      { numRuns: 300 },
    );
  });
});
