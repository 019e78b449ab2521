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

const entryItem = (deps: WatchdogDeps, key: ServiceKey, id: Instant) => ({
  what: `window ${formatInstant(id)} of service ${key.account}/${key.region}/${key.service}`,
  read: async () => deps.store.loadWindowEntry(key, id),
  write: (next: Awaited<ReturnType<WatchdogDeps['store']['loadWindowEntry']>>) => (next ? deps.store.saveWindowEntry(next, deps.clock()) : Promise.resolve(null)),
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

/**
 * Publishes claimed window events in order, each followed by what marking it sent makes due.
 * Returns the publishes that failed (their claims stay pending; the sweeper re-sends them after
 * the lease).
 *
 * @example
 * const failures = await publishWindowEvents(deps, await walkWindows(deps, key, now));
 */
export async function publishWindowEvents(deps: WatchdogDeps, claimed: readonly ClaimedWindowEvent[]): Promise<{ published: number; failures: unknown[] }> {
  const queue = [...claimed];
  const published = new Set<string>();
  const failures: unknown[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const id = `${next.key.account}#${next.key.region}#${next.key.service}#${next.id}#${next.announced.revision}`;
    if (published.has(id)) {
      deps.log.warn('window event made due again after it was published: left as it is', {
        serviceKey: next.key,
        detailType: next.announced.type,
        windowStart: formatInstant(next.id),
        revision: next.announced.revision,
      });
      continue;
    }
    published.add(id);
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
    }
  }
  return { published: published.size, failures };
}

/**
 * Re-claims the window events of one entry whose publisher died or was refused (pending past the
 * lease): renewed in the entry, then returned for publishing.
 *
 * @example
 * await publishWindowEvents(deps, await renewStaleWindowEvents(deps, key, id));
 */
export async function renewStaleWindowEvents(deps: WatchdogDeps, key: ServiceKey, id: Instant): Promise<ClaimedWindowEvent[]> {
  const now = deps.clock();
  const done = await writeVersioned(entryItem(deps, key, id), (entry) => {
    const stale = entry?.announcements.filter((announced) => isStale(announced, now, deps.config.sendLeaseMs)) ?? [];
    if (!entry || stale.length === 0) return null;
    const isStaleOne = (announced: WindowAnnouncement): boolean => stale.some((one) => sameAnnouncement(one, announced));
    return {
      state: { ...entry, announcements: entry.announcements.map((announced) => (isStaleOne(announced) ? renewed(announced, now) : announced)) },
      result: stale.map((announced) => renewed(announced, now)),
    };
  });
  return (done?.result ?? []).map((announced) => ({ key, id, announced }));
}
