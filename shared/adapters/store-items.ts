/**
 * The table's items and how the domain's states map to them (schema version 2). Every item read
 * is validated (zod/mini): a field that is missing or malformed is a {@link StoreDataError} naming
 * the item and the field, never a state half-read. This is 0.x and nothing is deployed: items of
 * version 1 (one item per service) are not read, and there is no migration.
 *
 * | item | PK | SK |
 * |---|---|---|
 * | a stack's state | `SERVICE#<account>#<region>#<service>` | `STACK#<stack ARN>` |
 * | a service's own item (where its windows were derived to) | same | `STATE` |
 * | an impact window (one per window id) | same | `WINDOW#<id>` |
 * | a page of a stack's folded history | same | `PAGE#<stack ARN>#<cut>#<hash>` |
 * | a walk point kept for late events | same | `WALK#<asOf>` |
 * | one raw event of a stack | `STACK#<stack ARN>` | `<time>#STACK#<status>` or `<time>#RESOURCE#<logical id>#<status>`
 * |
 * | the last completed sweep | `WATCHDOG` | `HEARTBEAT#sweep` |
 * | what the last self-check saw | `WATCHDOG` | `SELFCHECK` |
 * | a stack muted by its tag (listed without a scan) | `MUTED` | `MUTED#<stack ARN>` |
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { SelfCheckMemory } from '../app/ports.ts';
import type { Claim } from '../domain/claims.ts';
import type { FoldedPage } from '../domain/compaction.ts';
import { stackOperations, stackNeedsSweep } from '../domain/operation-view.ts';
import type { StatusRecord } from '../domain/operations.ts';
import type { Delivery } from '../domain/outbox.ts';
import { serviceKeyId, type ServiceKey } from '../domain/service.ts';
import type { ServiceState, WalkPoint } from '../domain/service-walk.ts';
import { Severity } from '../domain/severity.ts';
import type { StackState } from '../domain/stack-state.ts';
import type { MutedStack } from '../app/ports.ts';
import { DELETE_COMPLETE, type OperationType, type StackStatus } from '../domain/status.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import { entryNeedsSweep, type WindowEntry } from '../domain/window-entries.ts';
import type { WindowAnnouncement } from '../domain/window-events.ts';
import type { Baseline, ImpactWindow, OpenWindowAt } from '../domain/windows.ts';
import { itemSize, type PlainItem } from './item-size.ts';
import { SWEEP_PARTITION, WINDOW_PARTITION } from './table.ts';
import { WatchdogError } from '../errors.ts';

export const SCHEMA_VERSION = 2;

/**
 * The largest item the store writes (DynamoDB refuses 400 KB; a small item keeps every write
 * cheap). Folding keeps items far below it; what could still pass it is cut with a marker.
 */
export const MAX_ITEM_BYTES = 64 * 1024;

export class StoreDataError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreDataError';
  }
}

export const servicePk = (key: ServiceKey): string => `SERVICE#${serviceKeyId(key)}`;
export const stackSk = (stackId: string): string => `STACK#${stackId}`;
export const STATE_SK = 'STATE';
export const windowSk = (id: Instant): string => `WINDOW#${formatInstant(id)}`;
export const walkSk = (asOf: Instant): string => `WALK#${formatInstant(asOf)}`;
/** One partition holds every stack muted by its tag: few, and all wanted at once. */
export const MUTED_PARTITION = 'MUTED';
export const mutedSk = (stackId: string): string => `MUTED#${stackId}`;

const SERVICE_PK = /^SERVICE#(\d{12})#([^#]+)#(.+)$/;

/** The service a `SERVICE#…` partition key names. */
export function serviceKeyOfPk(pk: string): ServiceKey {
  const match = SERVICE_PK.exec(pk);
  if (!match) throw new StoreDataError(`not a service partition key: '${pk}'`);
  return { account: match[1] as string, region: match[2] as string, service: match[3] as string };
}

// ---- validation ---------------------------------------------------------------------------

const isoTime = z
  .string()
  .check(z.refine((text) => !Number.isNaN(Date.parse(text)), { error: 'expected an ISO-8601 time' }));
const optionalTime = z.optional(z.nullable(isoTime));
const severity = z.enum([Severity.INFO, Severity.WARNING, Severity.CRITICAL, Severity.FAILED, Severity.RESOLVED]);
const operationSeverity = z.enum([Severity.WARNING, Severity.CRITICAL, Severity.FAILED]);
const operationType = z.enum(['CREATE', 'UPDATE', 'DELETE', 'IMPORT']);
const keyFields = {
  PK: z.string(),
  SK: z.string(),
  account: z.string(),
  region: z.string(),
  service: z.string(),
  schema: z.literal(SCHEMA_VERSION),
};

const RecordSchema = z.object({
  time: isoTime,
  status: z.string(),
  reason: z.optional(z.string()),
  synthetic: z.optional(
    z.object({ basis: z.nullable(z.object({ time: isoTime, status: z.string() })), askedAt: isoTime }),
  ),
});
type StoredRecord = z.infer<typeof RecordSchema>;

const DeliverySchema = z.union([
  z.object({ state: z.literal('pending') }),
  z.object({ state: z.literal('sent'), at: isoTime }),
  z.object({ state: z.literal('suppressed'), at: isoTime, why: z.enum(['muted', 'nested']) }),
]);

const ClaimSchema = z.object({
  anchor: isoTime,
  operation: operationType,
  severity,
  repeat: z.optional(z.number()),
  terminalAt: z.optional(isoTime),
  terminalStatus: z.optional(z.string()),
  claimedAt: isoTime,
  delivery: DeliverySchema,
  bus: z.optional(DeliverySchema),
});
type StoredClaim = z.infer<typeof ClaimSchema>;

const BaselineSchema = z.object({ asOf: isoTime, status: z.nullable(z.string()), exists: z.boolean() });

const StackItemSchema = z.object({
  ...keyFields,
  type: z.literal('stack'),
  stackId: z.string(),
  stackName: z.string(),
  version: z.number(),
  events: z.array(RecordSchema),
  claims: z.array(ClaimSchema),
  mutedByTag: z.optional(z.boolean()),
  rootStackId: z.optional(z.string()),
  lastSeenAt: z.optional(isoTime),
  baseline: z.optional(BaselineSchema),
  folded: z.optional(z.array(z.object({ id: z.string(), from: z.nullable(isoTime), cut: isoTime }))),
  unwalkedSince: z.optional(isoTime),
  unwalkedOperationStart: z.optional(isoTime),
  /** How many of its oldest events were cut to keep the item within {@link MAX_ITEM_BYTES}. */
  cutEvents: z.optional(z.number()),
  /** Its successful operations folded out of `events`: type, end and duration (adaptive.ts). */
  durations: z.optional(z.array(z.object({ type: operationType, end: isoTime, ms: z.number() }))),
});

const OpenWindowSchema = z.object({
  start: isoTime,
  stacks: z.array(z.string()),
  waitingSince: optionalTime,
  peak: z.nullable(operationSeverity),
});
const WalkPointSchema = z.object({
  asOf: isoTime,
  open: z.nullable(OpenWindowSchema),
  lastDeleteComplete: optionalTime,
  openId: optionalTime,
});

const ServiceItemSchema = z.object({
  ...keyFields,
  type: z.literal('service'),
  version: z.number(),
  walked: z.optional(WalkPointSchema),
  lastKeptAt: z.optional(isoTime),
  openWindowIds: z.optional(z.array(isoTime)),
});

const WindowSchema = z.object({
  start: isoTime,
  end: z.nullable(isoTime),
  peakSeverity: operationSeverity,
  stacks: z.array(z.string()),
  awaitingReplacementSince: z.nullable(isoTime),
});

const AnnouncementSchema = z.object({
  type: z.enum(['Impact Window Opened', 'Impact Window Closed']),
  revision: z.number(),
  start: isoTime,
  end: z.nullable(isoTime),
  peakSeverity: operationSeverity,
  stacks: z.array(z.string()),
  withdrawn: z.boolean(),
  claimedAt: isoTime,
  delivery: DeliverySchema,
});

const WindowItemSchema = z.object({
  ...keyFields,
  type: z.literal('window'),
  id: isoTime,
  version: z.number(),
  window: z.nullable(WindowSchema),
  windowEvents: z.array(AnnouncementSchema),
});

const PageItemSchema = z.object({
  ...keyFields,
  type: z.literal('page'),
  stackId: z.string(),
  since: z.nullable(BaselineSchema),
  cut: isoTime,
  events: z.array(RecordSchema),
  claims: z.array(ClaimSchema),
});

const WalkItemSchema = z.object({ ...keyFields, type: z.literal('walk'), point: WalkPointSchema });

const MutedItemSchema = z.object({
  ...keyFields,
  type: z.literal('muted'),
  stackId: z.string(),
  stackName: z.string(),
  since: isoTime,
});

function validated<T>(schema: z.ZodMiniType<T>, item: unknown, what: string): T {
  const result = z.safeParse(schema, item);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = (issue?.path ?? []).map(String).join('.') || '(item)';
  const where =
    typeof item === 'object' && item !== null
      ? `${String((item as PlainItem).PK)} ${String((item as PlainItem).SK)}`
      : '(not an object)';
  throw new StoreDataError(
    `stored ${what} ${where}: ${field}: ${issue?.message ?? 'invalid'} (schema ${SCHEMA_VERSION})`,
  );
}

// ---- mapping -----------------------------------------------------------------------------

const time = (at: Instant): string => formatInstant(at);
const nullableTime = (at: Instant | null): string | null => (at === null ? null : formatInstant(at));
const parsed = (text: string): Instant => Date.parse(text);
const parsedOrNull = (text: string | null | undefined): Instant | null =>
  text === null || text === undefined ? null : Date.parse(text);

function toStoredRecord(record: StatusRecord): StoredRecord {
  return {
    time: time(record.time),
    status: record.status,
    ...(record.statusReason === '' ? {} : { reason: record.statusReason }),
    ...(record.synthetic
      ? {
          synthetic: {
            basis:
              record.synthetic.basis === null
                ? null
                : { time: time(record.synthetic.basis.time), status: record.synthetic.basis.status },
            askedAt: time(record.synthetic.askedAt),
          },
        }
      : {}),
  };
}

function fromStoredRecord(stored: StoredRecord, stack: { stackId: string; stackName: string }): StatusRecord {
  return {
    stackId: stack.stackId,
    stackName: stack.stackName,
    time: parsed(stored.time),
    status: stored.status,
    statusReason: stored.reason ?? '',
    ...(stored.synthetic
      ? {
          synthetic: {
            basis:
              stored.synthetic.basis === null
                ? null
                : { time: parsed(stored.synthetic.basis.time), status: stored.synthetic.basis.status },
            askedAt: parsed(stored.synthetic.askedAt),
          },
        }
      : {}),
  };
}

type StoredDelivery = z.infer<typeof DeliverySchema>;
const toStoredDelivery = (delivery: Delivery): StoredDelivery =>
  delivery.state === 'pending' ? { state: 'pending' } : { ...delivery, at: time(delivery.at) };
const fromStoredDelivery = (delivery: StoredDelivery): Delivery =>
  delivery.state === 'pending' ? { state: 'pending' } : { ...delivery, at: parsed(delivery.at) };

function toStoredClaim(claim: Claim): StoredClaim {
  return {
    anchor: time(claim.anchor),
    operation: claim.operation,
    severity: claim.severity,
    ...(claim.repeat === undefined ? {} : { repeat: claim.repeat }),
    ...(claim.terminalAt === undefined
      ? {}
      : { terminalAt: time(claim.terminalAt), terminalStatus: claim.terminalStatus }),
    claimedAt: time(claim.claimedAt),
    delivery: toStoredDelivery(claim.delivery),
    ...(claim.bus === undefined ? {} : { bus: toStoredDelivery(claim.bus) }),
  };
}

function fromStoredClaim(stored: StoredClaim, stackId: string): Claim {
  return {
    stackId,
    anchor: parsed(stored.anchor),
    operation: stored.operation as OperationType,
    severity: stored.severity,
    ...(stored.repeat === undefined ? {} : { repeat: stored.repeat }),
    ...(stored.terminalAt === undefined
      ? {}
      : { terminalAt: parsed(stored.terminalAt), terminalStatus: stored.terminalStatus }),
    claimedAt: parsed(stored.claimedAt),
    delivery: fromStoredDelivery(stored.delivery),
    ...(stored.bus === undefined ? {} : { bus: fromStoredDelivery(stored.bus) }),
  };
}

type StoredBaseline = z.infer<typeof BaselineSchema>;

/** A stack's baseline holds the stack itself while it existed at `asOf` (windows.ts `Baseline`). */
function toStoredBaseline(baseline: Baseline, stackId: string): StoredBaseline {
  const self = baseline.stacks.find((stack) => stack.stackId === stackId);
  return { asOf: time(baseline.asOf), status: self?.status ?? null, exists: self !== undefined };
}

function fromStoredBaseline(stored: StoredBaseline, stack: { stackId: string; stackName: string }): Baseline {
  return {
    asOf: parsed(stored.asOf),
    stacks: stored.exists
      ? [{ stackId: stack.stackId, stackName: stack.stackName, status: stored.status as StackStatus | null }]
      : [],
  };
}

const sweepKeys = (pk: string, sk: string, needed: boolean): PlainItem =>
  needed ? { sweepPK: SWEEP_PARTITION, sweepSK: `${pk}#${sk}` } : {};

/**
 * Keeps an item within {@link MAX_ITEM_BYTES}: first status reasons are shortened (the timeline
 * keeps them whole), oldest first; then, should a stack hold that many events and never settle,
 * its oldest events are cut and counted in `cutEvents`. Lists of stack names are cut with a
 * marker element ("… and N more").
 */
function bounded(item: PlainItem): PlainItem {
  if (itemSize(item) <= MAX_ITEM_BYTES) return item;
  const events = item.events;
  if (Array.isArray(events)) {
    const short = (events as StoredRecord[]).map((record) =>
      record.reason && record.reason.length > 60 ? { ...record, reason: `${record.reason.slice(0, 59)}…` } : record,
    );
    let shortened: PlainItem = { ...item, events: short };
    let cut = 0;
    while (itemSize(shortened) > MAX_ITEM_BYTES && cut < short.length - 1) {
      cut += Math.max(1, Math.floor((short.length - cut) / 10));
      shortened = { ...item, events: short.slice(cut), cutEvents: (Number(item.cutEvents ?? 0) || 0) + cut };
    }
    if (itemSize(shortened) <= MAX_ITEM_BYTES) return shortened;
    item = shortened;
  }
  return withNameListsCut(item);
}

const NAME_LIST_KEEP = 50;

function withNameListsCut(value: PlainItem): PlainItem {
  const cut = (element: unknown, key: string): unknown => {
    if (Array.isArray(element)) {
      if (key === 'stacks' && element.length > NAME_LIST_KEEP && element.every((name) => typeof name === 'string')) {
        return [...element.slice(0, NAME_LIST_KEEP), `… and ${element.length - NAME_LIST_KEEP} more`];
      }
      return element.map((inner) => cut(inner, ''));
    }
    if (element && typeof element === 'object')
      return Object.fromEntries(Object.entries(element).map(([name, inner]) => [name, cut(inner, name)]));
    return element;
  };
  return cut(value, '') as PlainItem;
}

/** A stack's item; `expiresAt` once it was deleted, so that the service stops reading it. */
export function toStackItem(
  state: StackState,
  version: number,
  now: Instant,
  deletedStackRetentionMs: number,
): PlainItem {
  const pk = servicePk(state.key);
  const sk = stackSk(state.stackId);
  const deletedAt = stackOperations(state).records.find(
    (record) => record.status === DELETE_COMPLETE && !record.synthetic,
  )?.time;
  return bounded({
    PK: pk,
    SK: sk,
    type: 'stack',
    schema: SCHEMA_VERSION,
    ...state.key,
    stackId: state.stackId,
    stackName: state.stackName,
    version,
    updatedAt: time(now),
    events: state.records.map(toStoredRecord),
    claims: state.claims.map(toStoredClaim),
    ...(state.mutedByTag ? { mutedByTag: true } : {}),
    ...(state.rootStackId === null ? {} : { rootStackId: state.rootStackId }),
    ...(state.lastSeenAt === null ? {} : { lastSeenAt: time(state.lastSeenAt) }),
    ...(state.baseline === null ? {} : { baseline: toStoredBaseline(state.baseline, state.stackId) }),
    ...(state.folded.length === 0
      ? {}
      : { folded: state.folded.map((ref) => ({ id: ref.id, from: nullableTime(ref.from), cut: time(ref.cut) })) }),
    ...(state.unwalkedSince === null ? {} : { unwalkedSince: time(state.unwalkedSince) }),
    ...(state.unwalkedOperationStart === null ? {} : { unwalkedOperationStart: time(state.unwalkedOperationStart) }),
    ...(state.pastDurations.length === 0
      ? {}
      : { durations: state.pastDurations.map((past) => ({ type: past.type, end: time(past.end), ms: past.ms })) }),
    ...sweepKeys(pk, sk, stackNeedsSweep(state)),
    ...(deletedAt === undefined ? {} : { expiresAt: Math.floor((deletedAt + deletedStackRetentionMs) / 1000) }),
  });
}

export function fromStackItem(item: unknown): StackState {
  const stored = validated(StackItemSchema, item, 'stack');
  const stack = { stackId: stored.stackId, stackName: stored.stackName };
  return {
    key: { account: stored.account, region: stored.region, service: stored.service },
    ...stack,
    version: stored.version,
    records: stored.events.map((record) => fromStoredRecord(record, stack)),
    claims: stored.claims.map((claim) => fromStoredClaim(claim, stored.stackId)),
    mutedByTag: stored.mutedByTag ?? false,
    rootStackId: stored.rootStackId ?? null,
    lastSeenAt: parsedOrNull(stored.lastSeenAt),
    baseline: stored.baseline ? fromStoredBaseline(stored.baseline, stack) : null,
    folded: (stored.folded ?? []).map((ref) => ({ id: ref.id, from: parsedOrNull(ref.from), cut: parsed(ref.cut) })),
    unwalkedSince: parsedOrNull(stored.unwalkedSince),
    unwalkedOperationStart: parsedOrNull(stored.unwalkedOperationStart),
    pastDurations: (stored.durations ?? []).map((past) => ({
      type: past.type as OperationType,
      end: parsed(past.end),
      ms: past.ms,
    })),
  };
}

type StoredOpen = z.infer<typeof OpenWindowSchema>;
type StoredWalkPoint = z.infer<typeof WalkPointSchema>;

const toStoredOpen = (open: OpenWindowAt): StoredOpen => ({
  start: time(open.start),
  stacks: [...open.stacks],
  waitingSince: nullableTime(open.waitingSince),
  peak: open.peak,
});
const toStoredWalkPoint = (point: WalkPoint): StoredWalkPoint => ({
  asOf: time(point.asOf),
  open: point.open === null ? null : toStoredOpen(point.open),
  lastDeleteComplete: nullableTime(point.lastDeleteComplete),
  ...(point.openId === null || point.openId === undefined ? {} : { openId: time(point.openId) }),
});
const fromStoredWalkPoint = (stored: StoredWalkPoint): WalkPoint => ({
  asOf: parsed(stored.asOf),
  open:
    stored.open === null
      ? null
      : {
          start: parsed(stored.open.start),
          stacks: stored.open.stacks,
          waitingSince: parsedOrNull(stored.open.waitingSince),
          peak: stored.open.peak,
        },
  lastDeleteComplete: parsedOrNull(stored.lastDeleteComplete),
  ...(stored.openId === null || stored.openId === undefined ? {} : { openId: parsed(stored.openId) }),
});

export function toServiceItem(state: ServiceState, version: number, now: Instant): PlainItem {
  return bounded({
    PK: servicePk(state.key),
    SK: STATE_SK,
    type: 'service',
    schema: SCHEMA_VERSION,
    ...state.key,
    version,
    updatedAt: time(now),
    ...(state.walked === null ? {} : { walked: toStoredWalkPoint(state.walked) }),
    ...(state.lastKeptAt === null ? {} : { lastKeptAt: time(state.lastKeptAt) }),
    ...(state.openWindowIds.length === 0 ? {} : { openWindowIds: state.openWindowIds.map(time) }),
    namePK: `SERVICE#${state.key.service}`,
    nameSK: `${state.key.account}#${state.key.region}`,
  });
}

export function fromServiceItem(item: unknown): ServiceState {
  const stored = validated(ServiceItemSchema, item, 'service');
  return {
    key: { account: stored.account, region: stored.region, service: stored.service },
    version: stored.version,
    walked: stored.walked ? fromStoredWalkPoint(stored.walked) : null,
    lastKeptAt: parsedOrNull(stored.lastKeptAt),
    openWindowIds: (stored.openWindowIds ?? []).map(parsed),
  };
}

type StoredWindow = z.infer<typeof WindowSchema>;
const toStoredWindow = (window: ImpactWindow): StoredWindow => ({
  start: time(window.start),
  end: nullableTime(window.end),
  peakSeverity: window.peakSeverity,
  stacks: [...window.stacks],
  awaitingReplacementSince: nullableTime(window.awaitingReplacementSince),
});
const fromStoredWindow = (stored: StoredWindow): ImpactWindow => ({
  start: parsed(stored.start),
  end: parsedOrNull(stored.end),
  peakSeverity: stored.peakSeverity,
  stacks: stored.stacks,
  awaitingReplacementSince: parsedOrNull(stored.awaitingReplacementSince),
});

type StoredAnnouncement = z.infer<typeof AnnouncementSchema>;
const toStoredAnnouncement = (announced: WindowAnnouncement): StoredAnnouncement => ({
  type: announced.type,
  revision: announced.revision,
  start: time(announced.start),
  end: nullableTime(announced.end),
  peakSeverity: announced.peakSeverity,
  stacks: [...announced.stacks],
  withdrawn: announced.withdrawn,
  claimedAt: time(announced.claimedAt),
  delivery: toStoredDelivery(announced.delivery),
});
const fromStoredAnnouncement = (stored: StoredAnnouncement, id: Instant): WindowAnnouncement => ({
  type: stored.type,
  windowStart: id,
  revision: stored.revision,
  start: parsed(stored.start),
  end: parsedOrNull(stored.end),
  peakSeverity: stored.peakSeverity,
  stacks: stored.stacks,
  withdrawn: stored.withdrawn,
  claimedAt: parsed(stored.claimedAt),
  delivery: fromStoredDelivery(stored.delivery),
});

/** Sorts after every ISO time, so that open windows match any `end >= from`. */
const OPEN_END = 'OPEN';

export function toWindowItem(entry: WindowEntry, version: number, now: Instant): PlainItem {
  const pk = servicePk(entry.key);
  const sk = windowSk(entry.id);
  return bounded({
    PK: pk,
    SK: sk,
    type: 'window',
    schema: SCHEMA_VERSION,
    ...entry.key,
    id: time(entry.id),
    version,
    updatedAt: time(now),
    window: entry.window === null ? null : toStoredWindow(entry.window),
    windowEvents: entry.announcements.map(toStoredAnnouncement),
    ...(entry.window === null
      ? {}
      : { windowPK: WINDOW_PARTITION, windowSK: entry.window.end === null ? OPEN_END : time(entry.window.end) }),
    ...sweepKeys(pk, sk, entryNeedsSweep(entry)),
  });
}

export function fromWindowItem(item: unknown): WindowEntry {
  const stored = validated(WindowItemSchema, item, 'window');
  const id = parsed(stored.id);
  return {
    key: { account: stored.account, region: stored.region, service: stored.service },
    id,
    version: stored.version,
    window: stored.window === null ? null : fromStoredWindow(stored.window),
    announcements: stored.windowEvents.map((announced) => fromStoredAnnouncement(announced, id)),
  };
}

/**
 * A page of a stack's folded history; named by its content, so two writers folding the same state write the same item.
 */
export function toPageItem(stack: StackState, page: FoldedPage, expiresAt: number): PlainItem {
  const content = {
    since: page.since === null ? null : toStoredBaseline(page.since, stack.stackId),
    cut: time(page.cut),
    events: page.records.map(toStoredRecord),
    claims: page.claims.map(toStoredClaim),
  };
  const digest = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
  return {
    PK: servicePk(stack.key),
    SK: `PAGE#${stack.stackId}#${content.cut}#${digest}`,
    type: 'page',
    schema: SCHEMA_VERSION,
    ...stack.key,
    stackId: stack.stackId,
    ...content,
    expiresAt,
  };
}

export function fromPageItem(item: unknown, stack: StackState): FoldedPage {
  const stored = validated(PageItemSchema, item, 'page');
  return {
    since: stored.since === null ? null : fromStoredBaseline(stored.since, stack),
    cut: parsed(stored.cut),
    records: stored.events.map((record) => fromStoredRecord(record, stack)),
    claims: stored.claims.map((claim) => fromStoredClaim(claim, stack.stackId)),
  };
}

export function toWalkItem(key: ServiceKey, point: WalkPoint, expiresAt: number): PlainItem {
  return bounded({
    PK: servicePk(key),
    SK: walkSk(point.asOf),
    type: 'walk',
    schema: SCHEMA_VERSION,
    ...key,
    point: toStoredWalkPoint(point),
    expiresAt,
  });
}

export const fromWalkItem = (item: unknown): WalkPoint =>
  fromStoredWalkPoint(validated(WalkItemSchema, item, 'walk point').point);

/** The watchdog's own items: one partition, apart from every service's and stack's. */
export const WATCHDOG_PK = 'WATCHDOG';
export const SWEEP_HEARTBEAT_SK = 'HEARTBEAT#sweep';
export const SELF_CHECK_SK = 'SELFCHECK';

const HeartbeatItemSchema = z.object({
  PK: z.literal(WATCHDOG_PK),
  SK: z.literal(SWEEP_HEARTBEAT_SK),
  type: z.literal('heartbeat'),
  schema: z.literal(SCHEMA_VERSION),
  at: isoTime,
});
const SelfCheckItemSchema = z.object({
  PK: z.literal(WATCHDOG_PK),
  SK: z.literal(SELF_CHECK_SK),
  type: z.literal('self-check'),
  schema: z.literal(SCHEMA_VERSION),
  at: isoTime,
  mutedStackIds: z.array(z.string()),
  mutedTotal: z.number(),
});

/** The sweep heartbeat: `at` only, no `updatedAt` (that names a state's write, which `replay --db` goes on from). */
export function toHeartbeatItem(at: Instant): PlainItem {
  return { PK: WATCHDOG_PK, SK: SWEEP_HEARTBEAT_SK, type: 'heartbeat', schema: SCHEMA_VERSION, at: time(at) };
}

export const fromHeartbeatItem = (item: unknown): Instant =>
  parsed(validated(HeartbeatItemSchema, item, 'sweep heartbeat').at);

export function toSelfCheckItem(memory: SelfCheckMemory): PlainItem {
  return {
    PK: WATCHDOG_PK,
    SK: SELF_CHECK_SK,
    type: 'self-check',
    schema: SCHEMA_VERSION,
    at: time(memory.at),
    mutedStackIds: [...memory.mutedStackIds],
    mutedTotal: memory.mutedTotal,
  };
}

export function fromSelfCheckItem(item: unknown): SelfCheckMemory {
  const stored = validated(SelfCheckItemSchema, item, 'self-check');
  return { at: parsed(stored.at), mutedStackIds: stored.mutedStackIds, mutedTotal: stored.mutedTotal };
}
/** A stack muted by its tag: its key and names only, so the item stays small whatever the stack did. */
export function toMutedItem(stack: MutedStack): PlainItem {
  return bounded({
    PK: MUTED_PARTITION,
    SK: mutedSk(stack.stackId),
    type: 'muted',
    schema: SCHEMA_VERSION,
    ...stack.key,
    stackId: stack.stackId,
    stackName: stack.stackName,
    since: time(stack.since),
  });
}

export function fromMutedItem(item: unknown): MutedStack {
  const stored = validated(MutedItemSchema, item, 'muted stack');
  return {
    key: { account: stored.account, region: stored.region, service: stored.service },
    stackId: stored.stackId,
    stackName: stored.stackName,
    since: parsed(stored.since),
  };
}
