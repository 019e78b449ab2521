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
export interface WindowAnnouncement {
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
  readonly claimedAt: Instant;
  /** When the bus accepted it; `null` while claimed but not (yet) sent. */
  readonly sentAt: Instant | null;
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

/** The window an announcement speaks of: the one whose span holds its `windowStart`. */
function ownerOf(windows: readonly ImpactWindow[], windowStart: Instant): ImpactWindow | undefined {
  return windows.find((window) => window.start <= windowStart && (window.end === null || windowStart <= window.end));
}

function announcement(
  type: WindowEventType,
  windowStart: Instant,
  revision: number,
  window: ImpactWindow,
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
    sentAt: null,
  };
}

/**
 * What a window's events have said so far, and what its current state says is due next. One
 * event at a time per window, each after the previous was sent, so that downstream hears them
 * in order: Opened; Closed once it closed; Closed again with the new end when a late event moved
 * it; Opened again when a late event re-opened it; Closed `withdrawn` when a late completion
 * showed it never was.
 */
function nextFor(history: readonly WindowAnnouncement[], windows: readonly ImpactWindow[], now: Instant): WindowAnnouncement | null {
  const last = history.at(-1);
  if (!last || last.sentAt === null) return null;
  const owner = ownerOf(windows, last.windowStart);
  const revision = last.revision + 1;
  if (!owner) {
    if (last.type === WindowEventType.CLOSED) return null;
    return announcement(WindowEventType.CLOSED, last.windowStart, revision, { ...last, end: last.start, awaitingReplacementSince: null }, now, true);
  }
  if (owner.end === null) {
    return last.type === WindowEventType.CLOSED ? announcement(WindowEventType.OPENED, last.windowStart, revision, owner, now) : null;
  }
  const saidSo = last.type === WindowEventType.CLOSED && !last.withdrawn && last.end === owner.end;
  return saidSo ? null : announcement(WindowEventType.CLOSED, last.windowStart, revision, owner, now);
}

/**
 * The window events that `windows` make due, as claims to store: an Opened (revision 0) for
 * each window no announced window id falls in, and for each announced window id the next event
 * its story needs (see `nextFor`), once the one before it was sent.
 *
 * @example
 * dueWindowAnnouncements(view.windows, state.announcements, now).map((due) => due.type); // ['Impact Window Opened']
 */
export function dueWindowAnnouncements(
  windows: readonly ImpactWindow[],
  announcements: readonly WindowAnnouncement[],
  now: Instant,
): WindowAnnouncement[] {
  const histories = new Map<Instant, WindowAnnouncement[]>();
  for (const kept of [...announcements].sort((a, b) => a.revision - b.revision)) {
    histories.set(kept.windowStart, [...(histories.get(kept.windowStart) ?? []), kept]);
  }
  const due: WindowAnnouncement[] = [];
  for (const window of windows) {
    const announced = [...histories.keys()].some((windowStart) => ownerOf([window], windowStart));
    if (!announced) due.push(announcement(WindowEventType.OPENED, window.start, 0, window, now));
  }
  for (const history of histories.values()) {
    const next = nextFor(history, windows, now);
    if (next) due.push(next);
  }
  return due;
}

/**
 * The event an announcement puts on the bus. `windowId` is stable for the window's life:
 * `<account>#<region>#<service>#<start when it opened>`.
 *
 * @example
 * windowEventOf(key, announcement).detail.windowId; // '123456789012#eu-central-1#trustsource-core#2021-09-21T19:09:00Z'
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
