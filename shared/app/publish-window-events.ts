/**
 * Putting claimed window events on the bus: publish, then mark sent in the window's entry, and
 * publish the next event of the same window that this makes due (a Closed waits for its Opened).
 * Every loop that publishes ends: an event goes on the bus at most once per invocation.
 */
import { entryAfterSent } from '../domain/window-entries.ts';
import { isStale, renewed } from '../domain/outbox.ts';
import type { ServiceKey } from '../domain/service.ts';
import { formatInstant, type Instant } from '../domain/time.ts';
import { sameAnnouncement, windowEventOf, type WindowAnnouncement } from '../domain/window-events.ts';
import type { WatchdogDeps } from './deps.ts';
import type { ClaimedWindowEvent } from './walk-windows.ts';
import { writeVersioned } from './versioned-write.ts';
import { UNBOUNDED_TIME } from './bounded.ts';

const entryItem = (deps: WatchdogDeps, key: ServiceKey, id: Instant) => ({
  what: `window ${formatInstant(id)} of service ${key.account}/${key.region}/${key.service}`,
  read: async () => deps.store.loadWindowEntry(key, id),
  write: (next: Awaited<ReturnType<WatchdogDeps['store']['loadWindowEntry']>>) =>
    next ? deps.store.saveWindowEntry(next, deps.clock()) : Promise.resolve(null),
});

/** Marks one event sent in its entry; returns the next one of its window now claimed, if any. */
async function markSent(deps: WatchdogDeps, claimed: ClaimedWindowEvent): Promise<ClaimedWindowEvent | null> {
  const now = deps.clock();
  const done = await writeVersioned(
    entryItem(deps, claimed.key, claimed.id),
    (entry) => {
      const after = entry && entryAfterSent(entry, claimed.announced, now);
      return after ? { state: after.entry, result: after.next } : null;
    },
    claimed.entry,
  );
  const next = done?.result ?? null;
  return next && { key: claimed.key, id: claimed.id, announced: next, entry: done?.saved ?? undefined };
}

/** How a publishing run may go: how many windows at once, and while there is time. */
export interface PublishOptions {
  /** Windows whose events go out at once (a window's own go out one after another); 1 keeps the listed order. */
  readonly concurrency?: number | undefined;
  /** Whether there is still time to start a publish; absent: always. */
  readonly hasTime?: (() => boolean) | undefined;
}

const windowOf = (claimed: ClaimedWindowEvent): string =>
  `${claimed.key.account}#${claimed.key.region}#${claimed.key.service}#${claimed.id}`;

/**
 * Publishes claimed window events, each followed by what marking it sent makes due; windows run
 * side by side up to `concurrency`, a window's events one after another (a Closed after its
 * Opened). Returns the publishes that failed (their claims stay pending; the sweeper re-sends them
 * after the lease) and how many it had no time to start (pending too, and re-sent the same way).
 *
 * @example
 * const { failures } = await publishWindowEvents(deps, await walkWindows(deps, key, now));
 */
export async function publishWindowEvents(
  deps: WatchdogDeps,
  claimed: readonly ClaimedWindowEvent[],
  options: PublishOptions = {},
): Promise<{ published: number; failures: unknown[]; deferred: number }> {
  const limit = Math.max(1, options.concurrency ?? 1);
  const hasTime = options.hasTime ?? UNBOUNDED_TIME;
  const queue = [...claimed];
  const published = new Set<string>();
  const failures: unknown[] = [];
  let deferred = 0;
  // The windows with an event on its way: the next of one waits until it is marked sent.
  const busy = new Set<string>();
  let waiting: (() => void)[] = [];
  const take = (): ClaimedWindowEvent | undefined => {
    const index = queue.findIndex((queued) => !busy.has(windowOf(queued)));
    return index < 0 ? undefined : queue.splice(index, 1)[0];
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = take();
      if (!next) {
        // Nothing free: done, unless a window still on its way may yet make its next event due.
        if (busy.size === 0) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      const window = windowOf(next);
      const id = `${window}#${next.announced.revision}`;
      if (published.has(id)) {
        deps.log.warn('window event made due again after it was published: left as it is', {
          serviceKey: next.key,
          detailType: next.announced.type,
          windowStart: formatInstant(next.id),
          revision: next.announced.revision,
        });
        continue;
      }
      if (!hasTime()) {
        deferred++;
        continue;
      }
      published.add(id);
      busy.add(window);
      try {
        await deps.windowEvents.publish(windowEventOf(next.key, next.announced));
        const following = await markSent(deps, next);
        if (following) queue.push(following);
      } catch (error) {
        deps.log.warn('could not publish a window event; it stays pending and the sweeper re-sends it', {
          serviceKey: next.key,
          detailType: next.announced.type,
          error: String(error),
        });
        failures.push(error);
      } finally {
        busy.delete(window);
        const woken = waiting;
        waiting = [];
        for (const wake of woken) wake();
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return { published: published.size, failures, deferred };
}

/**
 * Re-claims the window events of one entry whose publisher died or was refused (pending past the
 * lease): renewed in the entry, then returned for publishing.
 *
 * @example
 * await publishWindowEvents(deps, await renewStaleWindowEvents(deps, key, id));
 */
export async function renewStaleWindowEvents(
  deps: WatchdogDeps,
  key: ServiceKey,
  id: Instant,
): Promise<ClaimedWindowEvent[]> {
  const now = deps.clock();
  const done = await writeVersioned(entryItem(deps, key, id), (entry) => {
    const stale = entry?.announcements.filter((announced) => isStale(announced, now, deps.config.sendLeaseMs)) ?? [];
    if (!entry || stale.length === 0) return null;
    const isStaleOne = (announced: WindowAnnouncement): boolean =>
      stale.some((one) => sameAnnouncement(one, announced));
    return {
      state: {
        ...entry,
        announcements: entry.announcements.map((announced) =>
          isStaleOne(announced) ? renewed(announced, now) : announced,
        ),
      },
      result: stale.map((announced) => renewed(announced, now)),
    };
  });
  return (done?.result ?? []).map((announced) => ({ key, id, announced }));
}
