/**
 * Waiting on the wall clock with timers: what the sweeper Lambda does to escalate on time.
 */
import type { Instant } from '../domain/time.ts';

/**
 * Resolves once `clock` reads `at` or later. Timers run on the process's monotonic clock, not the
 * wall clock `clock` reads, so one may fire a millisecond early by it; an escalation read that
 * early would find nothing due yet, hence the loop.
 *
 * @example
 * await sweep(deps, { onTime: { waitUntil: (at) => waitForClock(deps.clock, at) } });
 */
export async function waitForClock(clock: () => Instant, at: Instant): Promise<void> {
  for (let left = at - clock(); left > 0; left = at - clock()) {
    await new Promise((resolve) => {
      setTimeout(resolve, left);
    });
  }
}
