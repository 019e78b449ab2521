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

type AnnouncementIdentity = Pick<WindowAnnouncement, 'type' | 'windowStart' | 'end'>;

export function sameAnnouncement(a: AnnouncementIdentity, b: AnnouncementIdentity): boolean {
  return a.type === b.type && a.windowStart === b.windowStart && a.end === b.end;
}

/** The window an announcement speaks of: the one whose span holds its `windowStart`. */
function ownerOf(windows: readonly ImpactWindow[], windowStart: Instant): ImpactWindow | undefined {
  return windows.find((window) => window.start <= windowStart && (window.end === null || windowStart <= window.end));
}

function announcement(type: WindowEventType, windowStart: Instant, window: ImpactWindow, now: Instant, withdrawn = false): WindowAnnouncement {
  return {
    type,
    windowStart,
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
 * The window events that `windows` make due, as claims to store: OPENED for each window not yet
 * announced; CLOSED for each announced window that has closed (or vanished), once its OPENED was
 * sent, so that downstream never sees a close before its open. A late event that moves a closed
 * window's end makes a second CLOSED due for it, with the new end (same `windowId`).
 *
 * @example
 * dueWindowAnnouncements(view.windows, state.announcements, now).map((due) => due.type); // ['Impact Window Opened']
 */
export function dueWindowAnnouncements(
  windows: readonly ImpactWindow[],
  announcements: readonly WindowAnnouncement[],
  now: Instant,
): WindowAnnouncement[] {
  const opened = announcements.filter((kept) => kept.type === WindowEventType.OPENED);
  const due: WindowAnnouncement[] = [];
  for (const window of windows) {
    if (!opened.some((kept) => ownerOf([window], kept.windowStart))) {
      due.push(announcement(WindowEventType.OPENED, window.start, window, now));
    }
  }
  for (const open of opened) {
    if (open.sentAt === null) continue;
    const closes = announcements.filter((kept) => kept.type === WindowEventType.CLOSED && kept.windowStart === open.windowStart);
    if (closes.some((kept) => kept.sentAt === null)) continue;
    const owner = ownerOf(windows, open.windowStart);
    if (owner?.end === null) continue;
    const closing = owner
      ? announcement(WindowEventType.CLOSED, open.windowStart, owner, now)
      : announcement(WindowEventType.CLOSED, open.windowStart, { ...open, end: open.start, awaitingReplacementSince: null }, now, true);
    const lastSaid = closes.at(-1);
    if (lastSaid?.end !== closing.end || lastSaid.withdrawn !== closing.withdrawn) due.push(closing);
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
