/**
 * The recovery hand-off (issue 5): an "Impact Window Opened" event when a window opens and an
 * "Impact Window Closed" event when it closes, so that the service owning the affected work can
 * pause intake, then re-process what arrived in [start, end). Like notifications, each is claimed
 * in the service's state by the write that made it due (so concurrent writers announce it once)
 * and marked sent only after the bus accepted it.
 */
import { formatInstant, type Instant } from './time.ts';
import { serviceKeyId, type ServiceKey } from './service.ts';
import type { OperationSeverity } from './severity.ts';
import { isPending, PENDING, type OutboxEntry } from './outbox.ts';
import type { ImpactWindow } from './windows.ts';

export const WindowEventType = {
  OPENED: 'Impact Window Opened',
  CLOSED: 'Impact Window Closed',
} as const;
export type WindowEventType = (typeof WindowEventType)[keyof typeof WindowEventType];

/** The `source` of the events on the bus, for downstream rules. */
export const WINDOW_EVENT_SOURCE = 'cfn-watchdog';

/**
 * A window event reserved in the service's state, with what it says: a re-send after a failed
 * publish says exactly what the first attempt would have said.
 */
export interface WindowAnnouncement extends OutboxEntry {
  readonly type: WindowEventType;
  /**
   * The window's start when its opening was announced. With the service it names the window for
   * downstream (`windowId`) and stays put when a late event moves the start earlier.
   */
  readonly windowStart: Instant;
  /**
   * The n-th event for this window (0: its opening). With `windowId` it names the event: what a
   * consumer de-duplicates on, and what tells two Opened of a window that re-opened apart.
   */
  readonly revision: number;
  readonly start: Instant;
  /** `null` in an OPENED announcement. */
  readonly end: Instant | null;
  readonly peakSeverity: OperationSeverity;
  readonly stacks: readonly string[];
  /**
   * A CLOSED whose window turned out never to have been one (a late completion showed that its
   * operations ended before the thresholds): downstream resumes and has nothing to re-process.
   */
  readonly withdrawn: boolean;
}

/** What one event on the bus says: its detail-type and detail (times as ISO-8601 UTC). */
export interface WindowEvent {
  readonly detailType: WindowEventType;
  readonly detail: {
    readonly windowId: string;
    readonly revision: number;
    readonly service: string;
    readonly account: string;
    readonly region: string;
    readonly start: string;
    readonly end: string | null;
    readonly peakSeverity: OperationSeverity;
    readonly stacks: readonly string[];
    readonly withdrawn: boolean;
  };
}

type AnnouncementIdentity = Pick<WindowAnnouncement, 'windowStart' | 'revision'>;

export function sameAnnouncement(a: AnnouncementIdentity, b: AnnouncementIdentity): boolean {
  return a.windowStart === b.windowStart && a.revision === b.revision;
}

function announcement(
  type: WindowEventType,
  windowStart: Instant,
  revision: number,
  window: Pick<ImpactWindow, 'start' | 'end' | 'peakSeverity' | 'stacks'>,
  now: Instant,
  withdrawn = false,
): WindowAnnouncement {
  return {
    type,
    windowStart,
    revision,
    start: window.start,
    end: type === WindowEventType.OPENED ? null : window.end,
    peakSeverity: window.peakSeverity,
    stacks: window.stacks,
    withdrawn,
    claimedAt: now,
    delivery: PENDING,
  };
}

/** The window as downstream last heard of it: from its last start to its last end (open: on). */
const overlapsSaid = (window: ImpactWindow, last: WindowAnnouncement): boolean =>
  window.start <= (last.end ?? Number.POSITIVE_INFINITY) && (window.end ?? Number.POSITIVE_INFINITY) >= last.start;

/**
 * The next event a window id needs, its last one sent. `owner` is the current window it goes on
 * as (see `planWindowAnnouncements`), `null` when there is none — its window vanished, or merged into an earlier id's:
 * such an id is closed
 * `withdrawn`, its interval being covered by the surviving id's. Otherwise: Closed when the window closed or its
 * bounds moved since the last Closed; Opened again when a late event re-opened it.
 */
export function nextFor(last: WindowAnnouncement, owner: ImpactWindow | null, now: Instant): WindowAnnouncement | null {
  const revision = last.revision + 1;
  if (!owner) {
    return last.type === WindowEventType.OPENED
      ? announcement(WindowEventType.CLOSED, last.windowStart, revision, { ...last, end: last.start }, now, true)
      : null;
  }
  if (owner.end === null)
    return last.type === WindowEventType.CLOSED
      ? announcement(WindowEventType.OPENED, last.windowStart, revision, owner, now)
      : null;
  const saidSo =
    last.type === WindowEventType.CLOSED && !last.withdrawn && last.start === owner.start && last.end === owner.end;
  return saidSo ? null : announcement(WindowEventType.CLOSED, last.windowStart, revision, owner, now);
}

/**
 * What `windows` make due: the events to claim, and windows that cannot be announced (see {@link
 * planWindowAnnouncements}).
 */
export interface WindowAnnouncementPlan {
  readonly due: readonly WindowAnnouncement[];
  /**
   * Windows no announced id goes on as, whose own id (their start) another window's events took:
   * announcing them would repeat an event already claimed. Logged and left, never re-published.
   */
  readonly unannounceable: readonly ImpactWindow[];
  /** The window each announced id goes on as now; an id without one has vanished (withdrawn). */
  readonly owners: ReadonlyMap<Instant, ImpactWindow>;
}

/**
 * The window events that `windows` make due, as claims to store, one per window id at a time
 * and each after the previous one of its id was sent (so downstream hears them in order): first
 * what the announced ids need (a close, a re-opening, a withdrawal), then an Opened (revision 0)
 * for each window that no announced id goes on as. A window keeps its id while late events move
 * its bounds; a window that splits off gets an id of its own. Never an event already claimed:
 * whatever the windows, announcing them ends.
 *
 * @example
 * planWindowAnnouncements(view.windows, state.announcements, now).due.map((due) => due.type); // ['Impact Window
 * Opened']
 */
export function planWindowAnnouncements(
  windows: readonly ImpactWindow[],
  announcements: readonly WindowAnnouncement[],
  now: Instant,
): WindowAnnouncementPlan {
  const lastById = new Map<Instant, WindowAnnouncement>();
  for (const kept of announcements) {
    const known = lastById.get(kept.windowStart);
    if (!known || kept.revision > known.revision) lastById.set(kept.windowStart, kept);
  }
  const ids = [...lastById.values()].sort((a, b) => a.windowStart - b.windowStart);
  // Which window each id goes on as: first the window that holds the moment it was named after,
  // then the first other window that overlaps what was last said of it. Windows are disjoint, so
  // a new window can never start at the moment an id is named after: ids stay unique.
  const continuedBy = new Map<ImpactWindow, WindowAnnouncement>();
  const ownerOf = new Map<WindowAnnouncement, ImpactWindow>();
  const claim = (matches: (window: ImpactWindow, last: WindowAnnouncement) => boolean) => {
    for (const last of ids) {
      if (ownerOf.has(last)) continue;
      const owner = windows.find((window) => !continuedBy.has(window) && matches(window, last));
      if (owner) {
        continuedBy.set(owner, last);
        ownerOf.set(last, owner);
      }
    }
  };
  claim(
    (window, last) => window.start <= last.windowStart && last.windowStart <= (window.end ?? Number.POSITIVE_INFINITY),
  );
  claim(overlapsSaid);
  const due: WindowAnnouncement[] = [];
  for (const last of ids) {
    if (isPending(last)) continue;
    const next = nextFor(last, ownerOf.get(last) ?? null, now);
    if (next) due.push(next);
  }
  const unannounceable: ImpactWindow[] = [];
  for (const window of windows) {
    if (continuedBy.has(window)) continue;
    // Only a window that breaks the rules (one ending before it starts) could land here; the
    // guard keeps even that from announcing the same event again at every write.
    if (lastById.has(window.start)) unannounceable.push(window);
    else due.push(announcement(WindowEventType.OPENED, window.start, 0, window, now));
  }
  return { due, unannounceable, owners: new Map([...ownerOf].map(([last, window]) => [last.windowStart, window])) };
}

/**
 * The event an announcement puts on the bus. `windowId` is stable for the window's life:
 * `<account>#<region>#<service>#<start when it opened>`.
 *
 * @example
 * windowEventOf(key, announcement).detail.windowId; //
 * '123456789012#eu-central-1#trustsource-core#2021-09-21T19:09:00Z'
 */
export function windowEventOf(key: ServiceKey, announced: WindowAnnouncement): WindowEvent {
  return {
    detailType: announced.type,
    detail: {
      windowId: `${serviceKeyId(key)}#${formatInstant(announced.windowStart)}`,
      revision: announced.revision,
      service: key.service,
      account: key.account,
      region: key.region,
      start: formatInstant(announced.start),
      end: announced.end === null ? null : formatInstant(announced.end),
      peakSeverity: announced.peakSeverity,
      stacks: announced.stacks,
      withdrawn: announced.withdrawn,
    },
  };
}
