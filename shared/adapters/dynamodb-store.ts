/**
 * The DynamoDB store: one table, readable keys, four access patterns (DESIGN.md).
 *
 * | item | PK | SK |
 * |---|---|---|
 * | a service's state (events, claimed notifications and window events, windows) | `SERVICE#<account>#<region>#<service>` | `STATE` |
 * | a window archived when the service's history was folded | `SERVICE#<account>#<region>#<service>` | `WINDOW#<start>` |
 * | one raw event of a stack | `STACK#<stack ARN>` | `<time>#STACK#<status>` or `<time>#RESOURCE#<logical id>#<status>` |
 *
 * The keys-only index `ByName` finds stacks and services by name for postmortems: a raw event
 * by `namePK` = `STACK#<stack name>`, `nameSK` = its SK; a service's state by `namePK` =
 * `SERVICE#<service>`, `nameSK` = `<account>#<region>`. Those keys never change, so rewriting an
 * item costs the index nothing.
 *
 * The state item is in the sparse index `OpenServices` while it has a running operation, an
 * unsent notification or a window waiting for a replacement, and in `WindowsByEnd` (keyed by its
 * latest window's end, `OPEN` while open) once it has a window; an archived window is in
 * `WindowsByEnd` by its own end. It runs unchanged on dynalite:
 * single-item conditional writes only, and nothing depends on TTL expiry.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { FoldedPage } from '../domain/compaction.ts';
import type { StatusRecord } from '../domain/operations.ts';
import { serviceKeyId, type ServiceKey } from '../domain/service.ts';
import { Quiet, type Claim, type ServiceState, type ServiceView, type StackSighting } from '../domain/service-state.ts';
import { emptyServiceState } from '../domain/service-state.ts';
import type { Severity, OperationSeverity } from '../domain/severity.ts';
import type { OperationType, StackStatus } from '../domain/status.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import type { Baseline, ImpactWindow } from '../domain/windows.ts';
import type { KeptStackFacts } from '../domain/stack-facts.ts';
import { adoptedAnnouncements, type WindowAnnouncement, type WindowEventType } from '../domain/window-events.ts';
import { FoldedPageMissingError, type HistoryEvent, type ServiceWindow, type WatchdogStore, type WindowQuery } from '../app/ports.ts';
import { BY_NAME_INDEX, createTableInput, OPEN_PARTITION, OPEN_SERVICES_INDEX, WINDOW_PARTITION, WINDOWS_BY_END_INDEX } from './table.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_HISTORY_RETENTION_MS = 90 * DAY_MS;

/** Sorts after every ISO time, so that open windows match any `end >= from`. */
const OPEN_END = 'OPEN';

export class StoreDataError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreDataError';
  }
}

interface StoredRecord {
  stackId: string;
  stackName: string;
  time: string;
  status: string;
  statusReason: string;
  /** A record made up from DescribeStacks: the real event it was made after, and when CloudFormation was asked. */
  synthetic?: { basis: { time: string; status: string } | null; askedAt: string };
}

interface StoredSighting {
  stackId: string;
  at: string;
}

interface StoredClaim {
  stackId: string;
  anchor: string;
  operation: OperationType;
  terminalStatus?: string;
  terminalAt?: string;
  severity: Severity;
  repeat?: number;
  claimedAt: string;
  sentAt: string | null;
  /** `true` in items written before the reason was kept: muted. */
  suppressed?: Quiet | true;
}

interface StoredAnnouncement {
  type: WindowEventType;
  windowStart: string;
  revision: number;
  start: string;
  end: string | null;
  peakSeverity: OperationSeverity;
  stacks: string[];
  withdrawn: boolean;
  claimedAt: string;
  sentAt: string | null;
}

interface StoredWindow {
  start: string;
  end: string | null;
  peakSeverity: OperationSeverity;
  stacks: string[];
  awaitingReplacementSince: string | null;
}

interface StoredBaseline {
  asOf: string;
  stacks: { stackId: string; stackName: string; status: StackStatus | null }[];
}

interface WindowItem extends StoredWindow {
  PK: string;
  SK: string;
  type: 'window';
  account: string;
  region: string;
  service: string;
  windowPK: string;
  windowSK: string;
}

interface ServiceItem {
  PK: string;
  SK: 'STATE';
  type: 'service';
  account: string;
  region: string;
  service: string;
  version: number;
  updatedAt: string;
  events: StoredRecord[];
  claims: StoredClaim[];
  /** Absent from items written before window events existed. */
  windowEvents?: StoredAnnouncement[];
  /** Nested or muted-by-tag stacks; absent from items written before they were kept, and when none. */
  stacks?: KeptStackFacts[];
  /** When DescribeStacks last showed a stack of a long-running operation; absent when none. */
  sightings?: StoredSighting[];
  windows: StoredWindow[];
  baseline: StoredBaseline | null;
  /** Where the pages of history folded by size are (compaction.ts); absent when none. */
  folded?: { id: string; from: string | null; cut: string }[];
  needsSweep: boolean;
  sweepPK?: string;
  sweepSK?: string;
  windowPK?: string;
  windowSK?: string;
  namePK: string;
  nameSK: string;
}

const servicePk = (key: ServiceKey): string => `SERVICE#${serviceKeyId(key)}`;
const stackPk = (stackId: string): string => `STACK#${stackId}`;
const optionalTime = (at: Instant | null): string | null => (at === null ? null : formatInstant(at));

function parseTime(text: string, field: string): Instant {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new StoreDataError(`stored item: ${field} is not an ISO time: '${text}'`);
  return at;
}
const parseOptionalTime = (text: string | null | undefined, field: string): Instant | null =>
  text === null || text === undefined ? null : parseTime(text, field);

function toStoredWindow(window: ImpactWindow): StoredWindow {
  return {
    start: formatInstant(window.start),
    end: optionalTime(window.end),
    peakSeverity: window.peakSeverity,
    stacks: [...window.stacks],
    awaitingReplacementSince: optionalTime(window.awaitingReplacementSince),
  };
}

function fromStoredWindow(window: StoredWindow): ImpactWindow {
  return {
    start: parseTime(window.start, 'windows.start'),
    end: parseOptionalTime(window.end, 'windows.end'),
    peakSeverity: window.peakSeverity,
    stacks: window.stacks,
    awaitingReplacementSince: parseOptionalTime(window.awaitingReplacementSince, 'windows.awaitingReplacementSince'),
  };
}

function toStoredRecord(record: StatusRecord): StoredRecord {
  const { synthetic, ...rest } = record;
  const stored: StoredRecord = { ...rest, time: formatInstant(record.time) };
  if (!synthetic) return stored;
  const { basis, askedAt } = synthetic;
  return {
    ...stored,
    synthetic: { basis: basis === null ? null : { time: formatInstant(basis.time), status: basis.status }, askedAt: formatInstant(askedAt) },
  };
}

function fromStoredRecord(record: StoredRecord, field: string): StatusRecord {
  const { synthetic, ...rest } = record;
  const read: StatusRecord = { ...rest, time: parseTime(record.time, `${field}.time`) };
  if (!synthetic) return read;
  const { basis, askedAt } = synthetic;
  return {
    ...read,
    synthetic: {
      basis: basis === null ? null : { time: parseTime(basis.time, `${field}.synthetic.basis.time`), status: basis.status },
      askedAt: parseTime(askedAt, `${field}.synthetic.askedAt`),
    },
  };
}

function toStoredClaim({ terminalAt, ...claim }: Claim): StoredClaim {
  return {
    ...claim,
    ...(terminalAt === undefined ? {} : { terminalAt: formatInstant(terminalAt) }),
    anchor: formatInstant(claim.anchor),
    claimedAt: formatInstant(claim.claimedAt),
    sentAt: optionalTime(claim.sentAt),
  };
}

function fromStoredClaim({ suppressed, terminalAt, ...claim }: StoredClaim): Claim {
  const common = {
    ...claim,
    ...(terminalAt === undefined ? {} : { terminalAt: parseTime(terminalAt, 'claims.terminalAt') }),
    anchor: parseTime(claim.anchor, 'claims.anchor'),
    claimedAt: parseTime(claim.claimedAt, 'claims.claimedAt'),
  };
  const sentAt = parseOptionalTime(claim.sentAt, 'claims.sentAt');
  if (!suppressed) return { ...common, sentAt };
  // Suppressed claims are settled when claimed: one stored without its time is read as such,
  // rather than failing every reader of the table (the sweep, the windows query) on one item.
  return { ...common, sentAt: sentAt ?? common.claimedAt, suppressed: suppressed === true ? Quiet.MUTED : suppressed };
}

function toStoredAnnouncement(announced: WindowAnnouncement): StoredAnnouncement {
  return {
    ...announced,
    stacks: [...announced.stacks],
    windowStart: formatInstant(announced.windowStart),
    start: formatInstant(announced.start),
    end: optionalTime(announced.end),
    claimedAt: formatInstant(announced.claimedAt),
    sentAt: optionalTime(announced.sentAt),
  };
}

function fromStoredAnnouncement(announced: StoredAnnouncement): WindowAnnouncement {
  return {
    ...announced,
    windowStart: parseTime(announced.windowStart, 'windowEvents.windowStart'),
    start: parseTime(announced.start, 'windowEvents.start'),
    end: parseOptionalTime(announced.end, 'windowEvents.end'),
    claimedAt: parseTime(announced.claimedAt, 'windowEvents.claimedAt'),
    sentAt: parseOptionalTime(announced.sentAt, 'windowEvents.sentAt'),
  };
}

const toStoredBaseline = (baseline: Baseline | null): StoredBaseline | null =>
  baseline ? { asOf: formatInstant(baseline.asOf), stacks: baseline.stacks.map((stack) => ({ ...stack })) } : null;
const fromStoredBaseline = (baseline: StoredBaseline | null): Baseline | null =>
  baseline ? { asOf: parseTime(baseline.asOf, 'baseline.asOf'), stacks: baseline.stacks } : null;
const toStoredSighting = (sighting: StackSighting): StoredSighting => ({ stackId: sighting.stackId, at: formatInstant(sighting.at) });
const fromStoredSighting = (sighting: StoredSighting): StackSighting => ({ stackId: sighting.stackId, at: parseTime(sighting.at, 'sightings.at') });

function toItem(state: ServiceState, view: ServiceView, version: number, now: Instant): ServiceItem {
  const pk = servicePk(state.key);
  const windows = view.windows.map(toStoredWindow);
  const latestEnd = windows.some((window) => window.end === null)
    ? OPEN_END
    : windows.map((window) => window.end as string).sort().at(-1);
  return {
    PK: pk,
    SK: 'STATE',
    type: 'service',
    ...state.key,
    version,
    updatedAt: formatInstant(now),
    events: state.records.map(toStoredRecord),
    claims: state.claims.map(toStoredClaim),
    windowEvents: state.announcements.map(toStoredAnnouncement),
    ...(state.stacks.length > 0 ? { stacks: state.stacks.map((stack) => ({ ...stack })) } : {}),
    ...(state.sightings.length > 0 ? { sightings: state.sightings.map(toStoredSighting) } : {}),
    windows,
    baseline: toStoredBaseline(state.baseline),
    ...(state.folded.length > 0 ? { folded: state.folded.map((ref) => ({ id: ref.id, from: optionalTime(ref.from), cut: formatInstant(ref.cut) })) } : {}),
    needsSweep: view.needsSweep,
    ...(view.needsSweep ? { sweepPK: OPEN_PARTITION, sweepSK: pk } : {}),
    ...(latestEnd ? { windowPK: WINDOW_PARTITION, windowSK: latestEnd } : {}),
    namePK: `SERVICE#${state.key.service}`,
    nameSK: `${state.key.account}#${state.key.region}`,
  };
}

function fromItem(item: ServiceItem): ServiceState {
  const windows = item.windows.map(fromStoredWindow);
  return {
    key: { account: item.account, region: item.region, service: item.service },
    version: item.version,
    records: item.events.map((record) => fromStoredRecord(record, 'events')),
    claims: item.claims.map(fromStoredClaim),
    announcements:
      item.windowEvents === undefined
        ? adoptedAnnouncements(windows, parseTime(item.updatedAt, 'updatedAt'))
        : item.windowEvents.map(fromStoredAnnouncement),
    stacks: item.stacks ?? [],
    sightings: (item.sightings ?? []).map(fromStoredSighting),
    derived: { windows, needsSweep: item.needsSweep },
    baseline: fromStoredBaseline(item.baseline),
    folded: (item.folded ?? []).map((ref) => ({ id: ref.id, from: parseOptionalTime(ref.from, 'folded.from'), cut: parseTime(ref.cut, 'folded.cut') })),
  };
}

/** A page of folded history (compaction.ts), in its own item beside its service's state. */
interface FoldedPageItem {
  PK: string;
  SK: string;
  type: 'folded';
  since: StoredBaseline | null;
  cut: string;
  events: StoredRecord[];
  claims: StoredClaim[];
  windowEvents: StoredAnnouncement[];
  stacks: KeptStackFacts[];
  sightings: StoredSighting[];
}

function toPageItem(key: ServiceKey, page: FoldedPage): FoldedPageItem {
  const content = {
    since: toStoredBaseline(page.since),
    cut: formatInstant(page.cut),
    events: page.records.map(toStoredRecord),
    claims: page.claims.map(toStoredClaim),
    windowEvents: page.announcements.map(toStoredAnnouncement),
    stacks: page.stacks.map((stack) => ({ ...stack })),
    sightings: page.sightings.map(toStoredSighting),
  };
  // Named by its content: two writers folding the same state at once write the same item, and
  // one folding other content (a late event's) can never overwrite a page another state names.
  const digest = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
  return { PK: servicePk(key), SK: `FOLDED#${content.cut}#${digest}`, type: 'folded', ...content };
}

function fromPageItem(item: FoldedPageItem): FoldedPage {
  return {
    since: fromStoredBaseline(item.since),
    cut: parseTime(item.cut, 'cut'),
    records: item.events.map((record) => fromStoredRecord(record, 'events')),
    claims: item.claims.map(fromStoredClaim),
    announcements: item.windowEvents.map(fromStoredAnnouncement),
    stacks: item.stacks,
    sightings: item.sightings.map(fromStoredSighting),
  };
}

function windowFromItem(item: WindowItem): ServiceWindow {
  return { ...fromStoredWindow(item), key: { account: item.account, region: item.region, service: item.service } };
}

/** Archived window items hold one window; service state items their current ones. */
function windowsOfItem(item: Record<string, unknown>): ServiceWindow[] {
  if (item['type'] === 'window') return [windowFromItem(item as unknown as WindowItem)];
  const state = fromItem(item as unknown as ServiceItem);
  return state.derived.windows.map((window) => ({ ...window, key: state.key }));
}

function historySortKey(event: HistoryEvent): string {
  const time = formatInstant(event.time);
  if (event.kind === 'resource-status') return `${time}#RESOURCE#${event.logicalResourceId}#${event.status}`;
  // Never in the real event's place: a sweeper reconciling as the real event lands must not overwrite it.
  return event.synthetic ? `${time}#STACK#${event.status}#RECONCILED` : `${time}#STACK#${event.status}`;
}

type HistoryItem = Omit<HistoryEvent, 'time' | 'synthetic'> & {
  PK: string;
  SK: string;
  namePK: string;
  nameSK: string;
  time: string;
  expiresAt: number;
  synthetic?: StoredRecord['synthetic'];
};

export interface DynamoDbStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long raw per-stack history is kept (DynamoDB TTL), counted from the event's time. */
  readonly historyRetentionMs?: number;
}

/**
 * Creates the store over an existing table.
 *
 * @example
 * const store = createDynamoDbStore({ client: new DynamoDBClient({}), tableName: process.env.WATCHDOG_TABLE_NAME });
 */
export function createDynamoDbStore(options: DynamoDbStoreOptions): WatchdogStore {
  const documents = DynamoDBDocumentClient.from(options.client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const TableName = options.tableName;
  const retentionMs = options.historyRetentionMs ?? DEFAULT_HISTORY_RETENTION_MS;

  async function queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(new QueryCommand({ ...input, TableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  return {
    async recordEvent(event) {
      const { time, ...fields } = event;
      const { synthetic: _synthetic, ...rest } = fields.kind === 'stack-status' ? fields : { ...fields, synthetic: undefined };
      const item: HistoryItem = {
        ...rest,
        ...(event.kind === 'stack-status' && event.synthetic ? { synthetic: toStoredRecord(event).synthetic } : {}),
        PK: stackPk(event.stackId),
        SK: historySortKey(event),
        namePK: `STACK#${event.stackName}`,
        nameSK: historySortKey(event),
        time: formatInstant(time),
        expiresAt: Math.floor((time + retentionMs) / 1000),
      };
      await documents.send(new PutCommand({ TableName, Item: item }));
    },

    async stackHistory(stackId, from) {
      const items = await queryAll({
        KeyConditionExpression: from === undefined ? 'PK = :pk' : 'PK = :pk AND SK >= :from',
        ExpressionAttributeValues: { ':pk': stackPk(stackId), ...(from === undefined ? {} : { ':from': formatInstant(from) }) },
      });
      return items.map((item) => {
        const { PK: _pk, SK: _sk, namePK: _namePk, nameSK: _nameSk, expiresAt: _expires, time, synthetic, ...rest } = item as HistoryItem;
        const event = { ...rest, time: parseTime(time, 'time') } as HistoryEvent;
        if (!synthetic || event.kind !== 'stack-status') return event;
        return { ...event, synthetic: fromStoredRecord({ ...event, time, synthetic }, 'history').synthetic };
      });
    },

    async stacksNamed(stackName, { from, to }) {
      const items = await queryAll({
        IndexName: BY_NAME_INDEX,
        // Sort keys start with the event's ISO time; '~' sorts after every '#…' suffix of `to`'s second.
        KeyConditionExpression: 'namePK = :name AND nameSK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':name': `STACK#${stackName}`, ':from': formatInstant(from), ':to': `${formatInstant(to)}~` },
      });
      return [...new Set(items.map((item) => String(item['PK']).slice('STACK#'.length)))];
    },

    async servicesNamed(service) {
      const items = await queryAll({
        IndexName: BY_NAME_INDEX,
        KeyConditionExpression: 'namePK = :name',
        ExpressionAttributeValues: { ':name': `SERVICE#${service}` },
      });
      return items.map((item) => {
        const [account = '', region = ''] = String(item['nameSK']).split('#');
        return { account, region, service };
      });
    },

    async loadService(key) {
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: { PK: servicePk(key), SK: 'STATE' }, ConsistentRead: true }),
      );
      return Item ? fromItem(Item as ServiceItem) : emptyServiceState(key);
    },

    async saveService(state, view, now) {
      const version = state.version + 1;
      const item = toItem(state, view, version, now);
      try {
        await documents.send(
          new PutCommand({
            TableName,
            Item: item,
            ...(state.version === 0
              ? { ConditionExpression: 'attribute_not_exists(PK)' }
              : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': state.version } }),
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return null;
        throw error;
      }
      return fromItem(item);
    },

    async openServices() {
      const items = await queryAll({
        IndexName: OPEN_SERVICES_INDEX,
        KeyConditionExpression: 'sweepPK = :open',
        ExpressionAttributeValues: { ':open': OPEN_PARTITION },
      });
      return items.map((item) => fromItem(item as unknown as ServiceItem));
    },

    async windowsOverlapping(query: WindowQuery) {
      const items = await queryAll({
        IndexName: WINDOWS_BY_END_INDEX,
        KeyConditionExpression: 'windowPK = :window AND windowSK >= :from',
        ExpressionAttributeValues: {
          ':window': WINDOW_PARTITION,
          ':from': formatInstant(query.from),
          ...(query.service === undefined ? {} : { ':service': query.service }),
        },
        ...(query.service === undefined ? {} : { FilterExpression: 'service = :service' }),
      });
      const found = new Map<string, ServiceWindow>();
      for (const item of items) {
        for (const window of windowsOfItem(item)) {
          const overlaps = window.start <= query.to && (window.end === null || window.end >= query.from);
          // A window being archived can briefly be both in its service's state and on its own.
          if (overlaps) found.set(`${servicePk(window.key)}#${window.start}`, window);
        }
      }
      return [...found.values()].sort((a, b) => a.start - b.start);
    },

    async archiveWindows(key, windows) {
      for (const window of windows) {
        if (window.end === null) throw new StoreDataError('an open window cannot be archived');
        const item: WindowItem = {
          PK: servicePk(key),
          SK: `WINDOW#${formatInstant(window.start)}`,
          type: 'window',
          ...key,
          ...toStoredWindow(window),
          windowPK: WINDOW_PARTITION,
          windowSK: formatInstant(window.end),
        };
        await documents.send(new PutCommand({ TableName, Item: item }));
      }
    },

    async deleteArchivedWindows(key, windows) {
      for (const window of windows) {
        try {
          await documents.send(
            new DeleteCommand({
              TableName,
              Key: { PK: servicePk(key), SK: `WINDOW#${formatInstant(window.start)}` },
              ConditionExpression: '#end = :end AND peakSeverity = :peak',
              ExpressionAttributeNames: { '#end': 'end' },
              ExpressionAttributeValues: { ':end': optionalTime(window.end), ':peak': window.peakSeverity },
            }),
          );
        } catch (error) {
          // Archived again, otherwise, since it was listed: that one is current.
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    },

    async saveFoldedPages(key, pages) {
      const refs = [];
      for (const page of pages) {
        // A page is needed for a horizon after its cut at most; TTL removes one no state names
        // (written by an attempt that lost its race), long after that.
        const item = { ...toPageItem(key, page), expiresAt: Math.floor((page.cut + retentionMs) / 1000) };
        await documents.send(new PutCommand({ TableName, Item: item }));
        refs.push({ id: item.SK, from: page.since?.asOf ?? null, cut: page.cut });
      }
      return refs;
    },

    async loadFoldedPages(key, refs) {
      const pages: FoldedPage[] = [];
      for (const ref of refs) {
        const { Item } = await documents.send(new GetCommand({ TableName, Key: { PK: servicePk(key), SK: ref.id }, ConsistentRead: true }));
        if (!Item) throw new FoldedPageMissingError(`service ${serviceKeyId(key)}: the page of folded history ${ref.id} its state names is missing`);
        pages.push(fromPageItem(Item as FoldedPageItem));
      }
      return pages;
    },

    async deleteFoldedPages(key, refs) {
      for (const ref of refs) await documents.send(new DeleteCommand({ TableName, Key: { PK: servicePk(key), SK: ref.id } }));
    },

    async archivedWindows(key, after) {
      const items = await queryAll(
        after === undefined
          ? { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :window)', ExpressionAttributeValues: { ':pk': servicePk(key), ':window': 'WINDOW#' } }
          : {
              // Sort keys of archived windows sort by start; 'WINDOW$' sorts after every one of them.
              KeyConditionExpression: 'PK = :pk AND SK BETWEEN :after AND :last',
              ExpressionAttributeValues: { ':pk': servicePk(key), ':after': `WINDOW#${formatInstant(after)}~`, ':last': 'WINDOW$' },
            },
      );
      return items.map((item) => windowFromItem(item as unknown as WindowItem));
    },
  };
}

/**
 * Creates the table if it does not exist and waits until it and its indexes are ACTIVE (the
 * replay's embedded DynamoDB and the tests; deployed tables come from the SAM template).
 * CreateTable answers while the table is still CREATING, and requests in between fail.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < TABLE_READY_ATTEMPTS; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await delay(TABLE_READY_POLL_MS);
  }
  throw new StoreDataError(`table ${tableName} did not become ACTIVE`);
}

const TABLE_READY_ATTEMPTS = 600;
const TABLE_READY_POLL_MS = 5;
