/**
 * How every writer changes one stack's state: read it, bring back the folded history a late
 * event reaches into, decide (pure), fold what has grown, write with the version as condition.
 */
import { compactStack, pagesHolding, unfold, type Compaction } from '../domain/compaction.ts';
import type { StackRef } from '../domain/events.ts';
import type { ServiceKey } from '../domain/service.ts';
import type { FoldedPageRef, StackState } from '../domain/stack-state.ts';
import type { Instant } from '../domain/time.ts';
import type { WatchdogDeps } from './deps.ts';
import { FoldedPageMissingError } from './ports.ts';
import { writeVersioned, type Change } from './versioned-write.ts';

/** What a stack write needs. */
export type StackWriteDeps = Pick<WatchdogDeps, 'store' | 'config' | 'log'>;

/** The stack's state with the folded history that `time` falls into brought back, and the pages that held it. */
export interface Unfolded {
  readonly state: StackState;
  readonly pages: readonly FoldedPageRef[];
}

/**
 * The stack's state with its folded history from `time` on brought back (every page kept, for
 * `-Infinity`); the state itself when nothing is folded there. Throws
 * {@link FoldedPageMissingError} when a page it names is gone (another writer unfolded it): read
 * the state again.
 *
 * @example
 * const { state } = await unfoldedFrom(deps, stack, lateRecord.time);
 */
export async function unfoldedFrom(
  deps: Pick<WatchdogDeps, 'store'>,
  stack: StackState,
  time: Instant,
): Promise<Unfolded> {
  const refs = pagesHolding(stack, time) ?? stack.folded;
  if (refs.length === 0) return { state: stack, pages: [] };
  return { state: unfold(stack, refs, await deps.store.loadFoldedPages(stack, refs)), pages: refs };
}

/**
 * Read, decide, conditionally write one stack's state (versioned-write.ts), so that no
 * read-modify-write race loses an update. `decide` is pure and returns `null` when nothing needs
 * writing. `reachBackTo`, the time of a late event, first brings back the folded history it falls
 * into, so that it counts as if it had arrived on time. The write folds settled history when the
 * stack has grown (compaction.ts): its pages are stored before the state that names them.
 * Returns the stored state and what `decide` decided; `null` when nothing was written.
 *
 * @example
 * const done = await updateStack(deps, key, stack, now, (current) => ({ state: next(current), result: 1 }));
 */
export async function updateStack<T>(
  deps: StackWriteDeps,
  key: ServiceKey,
  stack: Pick<StackRef, 'stackId' | 'stackName'>,
  now: Instant,
  decide: (current: StackState) => Change<StackState, T> | null,
  options: {
    readonly known?: StackState | undefined;
    readonly reachBackTo?: Instant | undefined;
    /**
     * Runs before each write with the state decided from and the one to store: for what must
     * never lag the state (written first, a crash leaves it ahead, and the next writer, finding
     * the state still behind, does it again).
     */
    readonly beforeWrite?: ((current: StackState, next: StackState) => Promise<void>) | undefined;
  } = {},
): Promise<{ saved: StackState; result: T } | null> {
  const { store, config } = deps;
  const { reachBackTo } = options;
  // What the latest read brought back and the latest write folded: tidied once one is stored.
  let unfolded: readonly FoldedPageRef[] = [];
  let folded: Compaction | null = null;
  const withHistory = async (state: StackState): Promise<StackState> => {
    if (reachBackTo === undefined) return state;
    const whole = await unfoldedFrom(deps, state, reachBackTo);
    unfolded = whole.pages;
    return whole.state;
  };
  const read = async (): Promise<StackState> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withHistory(await store.loadStack(key, stack));
      } catch (error) {
        // Another writer brought those pages back and stored a newer state: read that one.
        if (!(error instanceof FoldedPageMissingError) || attempt >= 5) throw error;
      }
    }
  };
  let decidedFrom: StackState | undefined;
  const tracked = (current: StackState): Change<StackState, T> | null => {
    decidedFrom = current;
    return decide(current);
  };
  let known: StackState | undefined;
  if (options.known) {
    try {
      known = await withHistory(options.known);
    } catch (error) {
      if (!(error instanceof FoldedPageMissingError)) throw error;
    }
  }
  const done = await writeVersioned<StackState, T>(
    {
      what: `stack ${stack.stackId}`,
      read,
      write: async (next) => {
        if (options.beforeWrite && decidedFrom) await options.beforeWrite(decidedFrom, next);
        folded = compactStack(next, now, config);
        let toStore = next;
        if (folded) {
          // Pages first: a crash in between leaves an orphan page (removed by TTL), never a
          // state naming a page that is not there.
          const written = await store.saveFoldedPages(next, folded.pages);
          toStore = { ...folded.state, folded: [...folded.state.folded, ...written] };
        }
        // Pages a losing attempt wrote are left to their TTL: named by their content, they may be
        // the very pages the winner's state names.
        return store.saveStack(toStore, now);
      },
    },
    tracked,
    known,
  );
  return done && (await afterWrite(deps, done, { unfolded, folded }));
}

/**
 * Pages no state names any more (brought back by a late event and folded again, or older than
 * the horizon) are removed. Best effort: what is left over costs storage only.
 */
async function afterWrite<T>(
  deps: StackWriteDeps,
  done: { saved: StackState; result: T },
  { unfolded, folded }: { unfolded: readonly FoldedPageRef[]; folded: Compaction | null },
): Promise<{ saved: StackState; result: T }> {
  const unnamed = [...(folded?.dropped ?? []), ...unfolded].filter(
    (ref) => !done.saved.folded.some((still) => still.id === ref.id),
  );
  if (unnamed.length === 0) return done;
  try {
    await deps.store.deleteFoldedPages(done.saved, unnamed);
  } catch (error) {
    deps.log.warn('could not remove folded history no longer needed; it only takes space', {
      stackId: done.saved.stackId,
      error: String(error),
    });
  }
  return done;
}
