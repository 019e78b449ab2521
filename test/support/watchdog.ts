/**
 * A watchdog wired for tests of the use cases: a real store (dynalite), a virtual clock the test
 * moves by hand, a recording log and notifiers that record or fail on purpose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createDynamoDbTable } from '../../shared/adapters/item-table.ts';
import { testDynamoDbEndpoint } from './dynamodb.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import type { CloudFormationEvent, ResourceStatusEvent, StackStatusEvent } from '../../shared/domain/events.ts';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { REPO_ROOT } from './shared-files.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import type { WatchdogDeps } from '../../shared/app/deps.ts';
import type { Log } from '../../shared/app/log.ts';
import type {
  EscalationPublisher,
  Notifier,
  StackDirectory,
  StackInspector,
  WatchdogStore,
  WindowEventPublisher,
} from '../../shared/app/ports.ts';
import type { WindowEvent } from '../../shared/domain/window-events.ts';
import { resourceEvent, stackEvent, type StackSpec } from './events.ts';

/** A clock that only moves when the test says so. */
export class VirtualClock {
  now: number;

  constructor(start: string) {
    this.now = Date.parse(start);
  }

  set(iso: string): void {
    this.now = Date.parse(iso);
  }

  readonly clock = (): number => this.now;
}

export interface LogEntry {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly attributes: Record<string, unknown> | undefined;
}

export function recordingLog(): Log & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (message, attributes) => void entries.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => void entries.push({ level: 'warn', message, attributes }),
  };
}

/**
 * A publisher (SNS, EventBridge) that throws for the attempts `fails` picks (by 1-based attempt
 * number and message), and records what it accepted and every attempt.
 */
export interface Flaky<T> {
  readonly sent: T[];
  readonly attempts: T[];
  publish(message: T): Promise<void>;
}

function flaky<T>(what: string, fails: (attempt: number, message: T) => boolean): Flaky<T> {
  const sent: T[] = [];
  const attempts: T[] = [];
  return {
    sent,
    attempts,
    async publish(message) {
      attempts.push(message);
      if (fails(attempts.length, message)) throw new Error(`${what} failed (attempt ${attempts.length})`);
      sent.push(message);
    },
  };
}

export type FlakyNotifier = Flaky<Notification> & Notifier;
export type FlakyWindowEvents = Flaky<WindowEvent> & WindowEventPublisher;
export type FlakyEscalations = Flaky<Notification> & EscalationPublisher;

export const flakyNotifier = (fails: (attempt: number, notification: Notification) => boolean): FlakyNotifier =>
  flaky('SNS publish', fails);
export const flakyWindowEvents = (fails: (attempt: number, event: WindowEvent) => boolean): FlakyWindowEvents =>
  flaky('PutEvents', fails);
export const flakyEscalations = (fails: (attempt: number, notification: Notification) => boolean): FlakyEscalations =>
  flaky('PutEvents of a page', fails);

export interface Watchdog {
  readonly deps: WatchdogDeps;
  readonly clock: VirtualClock;
  readonly notifier: FlakyNotifier;
  readonly windowEvents: FlakyWindowEvents;
  /** The bus lane of pages: what the bus took, as the notifications they render. */
  readonly escalations: FlakyEscalations;
  readonly log: ReturnType<typeof recordingLog>;
}

/**
 * Use-case dependencies over `store`, with the clock at `now`; the notifier never fails unless
 * `fails` says so.
 */
export function watchdog(
  store: WatchdogStore,
  options: {
    readonly now: string;
    readonly config?: WatchdogConfig;
    readonly inspector?: StackInspector;
    readonly stacks?: StackDirectory;
    readonly fails?: (attempt: number, notification: Notification) => boolean;
    readonly windowEventFails?: (attempt: number, event: WindowEvent) => boolean;
    readonly escalationFails?: (attempt: number, notification: Notification) => boolean;
  },
): Watchdog {
  const clock = new VirtualClock(options.now);
  const notifier = flakyNotifier(options.fails ?? (() => false));
  const windowEvents = flakyWindowEvents(options.windowEventFails ?? (() => false));
  const escalations = flakyEscalations(options.escalationFails ?? (() => false));
  const log = recordingLog();
  const deps: WatchdogDeps = {
    store,
    notifier,
    escalations,
    windowEvents,
    clock: clock.clock,
    config: options.config ?? DEFAULT_CONFIG,
    log,
    inspector: options.inspector,
    stacks: options.stacks,
  };
  return { deps, clock, notifier, windowEvents, escalations, log };
}

/** A stack status event as the handler sees it after validation. */
export function stackStatus(
  stack: StackSpec,
  time: string,
  status: string,
  reason = '',
  id?: string,
): StackStatusEvent {
  const event = parseCloudFormationEvent(stackEvent(stack, time, status, reason, id));
  if (event.kind !== 'stack-status') throw new Error(`expected a stack status event, got ${event.kind}`);
  return event;
}

/** A resource status event as the handler sees it after validation. */
export function resourceStatus(
  stack: StackSpec,
  time: string,
  logicalId: string,
  status: string,
  options: { type?: string; physicalId?: string; reason?: string } = {},
): ResourceStatusEvent {
  const event = parseCloudFormationEvent(resourceEvent(stack, time, logicalId, status, options));
  if (event.kind !== 'resource-status') throw new Error(`expected a resource status event, got ${event.kind}`);
  return event;
}

/**
 * Raw reads of the table, as a person would in the console, bypassing the store. Its own client:
 * `DynamoDBDocumentClient.from` writes its translate options into the wrapped client's config,
 * which would change how the store under test marshals.
 */
export function rawTable(tableName: string) {
  const table = createDynamoDbTable({ client: localDynamoDbClient(testDynamoDbEndpoint()), tableName });
  return { get: (PK: string, SK: string) => table.get(PK, SK), scan: () => table.scanAll() };
}

/** ISO-8601 UTC to the second with a `Z` suffix, as DESIGN.md wants every stored time. */
export const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** The seed incident's events (events/incidents/), validated as the handler sees them. */
export function seedIncident(): CloudFormationEvent[] {
  return readFileSync(path.join(REPO_ROOT, 'events/incidents/trustsource-2021-09-21.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => parseCloudFormationEvent(JSON.parse(line)));
}

/**
 * Runs the watchdog as production does: each event delivered at its own time (`deliver` may
 * deliver it several times, or in parallel), a sweep at every whole minute up to `until`.
 */
export async function runInVirtualTime(
  dog: Watchdog,
  events: readonly CloudFormationEvent[],
  until: string,
  deliver: (event: CloudFormationEvent) => Promise<unknown> = (event) => applyEvent(event, dog.deps),
  sweepAtMinute: () => Promise<unknown> = () => sweep(dog.deps),
): Promise<void> {
  const MINUTE = 60_000;
  const first = events[0];
  if (!first) return;
  let next = 0;
  for (let minute = Math.floor(first.time / MINUTE) * MINUTE; minute <= Date.parse(until); minute += MINUTE) {
    for (let event = events[next]; event && event.time <= minute; event = events[++next]) {
      dog.clock.now = event.time;
      await deliver(event);
    }
    dog.clock.now = minute;
    await sweepAtMinute();
  }
}
