/**
 * Window entries: each impact window id (its start when its opening was announced) is one item
 * of its own, holding the window it names now and the events announced for it (their outbox,
 * outbox.ts). So a service's windows take no room in any item that grows, and the `windows`
 * query reads them directly.
 */
import { isPending, markedSent, type OutboxEntry } from './outbox.ts';
import type { ServiceKey } from './service.ts';
import type { Instant } from './time.ts';
import {
  nextFor,
  planWindowAnnouncements,
  sameAnnouncement,
  WindowEventType,
  type WindowAnnouncement,
} from './window-events.ts';
import { sameWindow, type ImpactWindow } from './windows.ts';

export interface WindowEntry {
  readonly key: ServiceKey;
  /**
   * The window id: the window's start when its opening was announced (a late event may move the start earlier, never
   * the id).
   */
  readonly id: Instant;
  /** Version of the stored item, for conditional writes; 0 before the first write. */
  readonly version: number;
  /** The window the id names now; `null` once it vanished or merged into another id's (withdrawn). */
  readonly window: ImpactWindow | null;
  /** Its events, by revision; the latest few only (what is next depends on the last). */
  readonly announcements: readonly WindowAnnouncement[];
}

/** Events kept per window id: the last sent one and any still pending are all the rules look at. */
const KEPT_ANNOUNCEMENTS = 4;

const withAnnouncements = (
  kept: readonly WindowAnnouncement[],
  added: readonly WindowAnnouncement[],
): WindowAnnouncement[] => {
  const all = [...kept, ...added].sort((a, b) => a.revision - b.revision);
  const pending = all.filter(isPending);
  const recent = all.slice(-KEPT_ANNOUNCEMENTS);
  return [...pending.filter((entry) => !recent.includes(entry)), ...recent];
};

const sameOrBothNone = (a: ImpactWindow | null, b: ImpactWindow | null): boolean =>
  a === null || b === null ? a === b : sameWindow(a, b);

/**
 * The entries that change when a service's windows from `span` on are `windows` (the walk's: from
 * `span.from`, after it when `exclusive`): each known entry gets the window its id goes on as
 * (none: vanished, withdrawn if downstream believes it open) and the events that makes due; each
 * window no id goes on as gets a new entry with its Opened. `entries` must hold every id that can
 * go on as one of `windows`; one whose window ended before the span, and goes on as none, is left
 * as it is (the walk did not see its time). `unannounceable` windows (their id taken by another
 * window's events) are logged and left.
 *
 * @example
 * const { changed } = entriesAfterWalk(key, entries, serviceWindows(point, stacks, now, config), now);
 */
export function entriesAfterWalk(
  key: ServiceKey,
  entries: readonly WindowEntry[],
  windows: readonly ImpactWindow[],
  now: Instant,
  span: { readonly from: Instant; readonly exclusive: boolean } = { from: Number.NEGATIVE_INFINITY, exclusive: false },
): { changed: WindowEntry[]; unannounceable: readonly ImpactWindow[] } {
  const beforeSpan = (window: ImpactWindow | null): boolean =>
    window !== null && window.end !== null && (span.exclusive ? window.end <= span.from : window.end < span.from);
  const plan = planWindowAnnouncements(
    windows,
    entries.flatMap((entry) => entry.announcements),
    now,
  );
  const changed: WindowEntry[] = [];
  const known = new Set(entries.map((entry) => entry.id));
  for (const entry of entries) {
    const window = plan.owners.get(entry.id) ?? null;
    const due = plan.due.filter((announced) => announced.windowStart === entry.id);
    if (window === null && due.length === 0 && beforeSpan(entry.window)) continue;
    if (due.length === 0 && sameOrBothNone(window, entry.window)) continue;
    changed.push({ ...entry, window, announcements: withAnnouncements(entry.announcements, due) });
  }
  for (const opened of plan.due.filter((announced) => !known.has(announced.windowStart))) {
    const window = windows.find((candidate) => candidate.start === opened.windowStart) ?? null;
    changed.push({ key, id: opened.windowStart, version: 0, window, announcements: [opened] });
  }
  return { changed, unannounceable: plan.unannounceable };
}

/**
 * The entry once the bus accepted `announced`, with the next event of its id claimed when that
 * one is due now (a Closed waits for its Opened); `null` when `announced` is no longer pending.
 *
 * @example
 * const next = entryAfterSent(entry, opened, now); // its Closed now pending, if the window closed
 */
export function entryAfterSent(
  entry: WindowEntry,
  announced: WindowAnnouncement,
  now: Instant,
): { entry: WindowEntry; next: WindowAnnouncement | null } | null {
  const kept = entry.announcements.find((candidate) => sameAnnouncement(candidate, announced));
  if (!kept || !isPending(kept)) return null;
  const sent = entry.announcements.map((candidate) => (candidate === kept ? markedSent(candidate, now) : candidate));
  const last = sent.reduce((latest, candidate) => (candidate.revision > latest.revision ? candidate : latest));
  const next = isPending(last) ? null : nextFor(last, entry.window, now);
  return { entry: { ...entry, announcements: withAnnouncements(sent, next ? [next] : []) }, next };
}

/**
 * Whether the entry's id may go on as a later window: downstream was last told it opened, or its
 * window is open (service-walk.ts `openWindowIds`).
 *
 * @example
 * const open = entries.filter(isLive).map((entry) => entry.id);
 */
export function isLive(entry: WindowEntry): boolean {
  const last = entry.announcements.reduce<WindowAnnouncement | null>(
    (latest, announced) => (latest === null || announced.revision > latest.revision ? announced : latest),
    null,
  );
  return last?.type === WindowEventType.OPENED || (entry.window !== null && entry.window.end === null);
}

/** Whether the entry has something for the sweeper: an event still to go out, or a grace that may run out. */
export function entryNeedsSweep(entry: WindowEntry): boolean {
  return (
    entry.announcements.some((announced: OutboxEntry) => isPending(announced)) ||
    (entry.window?.awaitingReplacementSince ?? null) !== null
  );
}
