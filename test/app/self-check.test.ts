/**
 * The self-check's use case with fake checks: every check runs whatever the others answer, and
 * at most one message goes to the ops topic, listing exactly the checks that failed.
 */
import { describe, expect, it } from 'vitest';
import type { OpsMessage, ResourceProbe, SelfCheckMemory } from '../../shared/app/ports.ts';
import {
  CheckName,
  HEARTBEAT_MAX_AGE_MS,
  MAX_REMEMBERED_MUTED,
  memoryOf,
  newlyMuted,
  selfCheck,
  SelfCheckMemoryError,
  type SelfCheckDeps,
} from '../../shared/app/self-check.ts';
import type { MutedStack } from '../../shared/app/ports.ts';
import { silentLog } from '../../shared/app/log.ts';
import { ResourceUnusableError } from '../../shared/adapters/aws-resource-probe.ts';
import { stackArn } from '../support/events.ts';
import { serviceKey, t } from '../support/states.ts';

const NOW = t('06:00');
const PROBES = ['table', 'topic', 'bus', 'key'] as const;
type Probe = (typeof PROBES)[number];
const WHY: Readonly<Record<Probe, Error>> = {
  table: new ResourceUnusableError('table watchdog is INACCESSIBLE_ENCRYPTION_CREDENTIALS'),
  topic: Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }),
  bus: Object.assign(new Error('Event bus recovery does not exist.'), { name: 'ResourceNotFoundException' }),
  key: new ResourceUnusableError('key arn:aws:kms:eu-central-1:123456789012:key/k is PendingDeletion'),
};

const muted = (name: string): MutedStack => ({
  key: serviceKey(name),
  stackId: stackArn({ name }),
  stackName: name,
  since: t('05:00'),
});

interface Fakes {
  readonly deps: SelfCheckDeps;
  readonly sent: OpsMessage[];
  readonly remembered: SelfCheckMemory[];
}

function fakes(
  options: {
    failing?: readonly Probe[];
    heartbeat?: number | null;
    muted?: readonly MutedStack[] | Error;
    previous?: SelfCheckMemory | null;
    memoryWrite?: Error;
  } = {},
): Fakes {
  const sent: OpsMessage[] = [];
  const remembered: SelfCheckMemory[] = [];
  const probeOf = (name: Probe) => async (): Promise<void> => {
    if (options.failing?.includes(name)) throw WHY[name];
  };
  const probe: ResourceProbe = {
    table: probeOf('table'),
    topic: probeOf('topic'),
    bus: probeOf('bus'),
    key: probeOf('key'),
  };
  const deps: SelfCheckDeps = {
    probe,
    store: {
      lastSweepHeartbeat: async () => (options.heartbeat === undefined ? NOW - 60_000 : options.heartbeat),
      lastSelfCheck: async () => options.previous ?? null,
      recordSelfCheck: async (memory) => {
        if (options.memoryWrite) throw options.memoryWrite;
        remembered.push(memory);
      },
      stacksMutedByTag: async () => {
        if (options.muted instanceof Error) throw options.muted;
        return [...(options.muted ?? [])];
      },
    },
    ops: { send: async (message) => void sent.push(message) },
    clock: () => NOW,
    log: silentLog,
  };
  return { deps, sent, remembered };
}

const failedLines = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('FAILED '));

describe('selfCheck', () => {
  it('sends nothing when every check passes and no stack is muted', async () => {
    // Prepare
    const { deps, sent, remembered } = fakes();

    // Act
    const result = await selfCheck(deps);

    // Assess
    expect(result.checks.every((check) => check.ok)).toBe(true);
    expect(sent).toEqual([]);
    expect(remembered).toEqual([{ at: NOW, mutedStackIds: [], mutedTotal: 0 }]);
  });

  it.each<[string, readonly Probe[]]>([
    ['the table', ['table']],
    ['the alerts topic', ['topic']],
    ['the bus', ['bus']],
    ['the key', ['key']],
    ['the key and the topic', ['key', 'topic']],
    ['the table, the bus and the key', ['table', 'bus', 'key']],
    ['everything AWS is asked about', ['table', 'topic', 'bus', 'key']],
  ])('pages once, listing exactly the failed checks, when %s fails', async (_what, failing) => {
    // Prepare
    const { deps, sent } = fakes({ failing });
    const names: Record<Probe, string> = {
      table: CheckName.TABLE,
      topic: CheckName.TOPIC,
      bus: CheckName.BUS,
      key: CheckName.KEY,
    };

    // Act
    await selfCheck(deps);

    // Assess
    expect(sent).toHaveLength(1);
    const lines = failedLines(sent[0]?.text ?? '');
    expect(lines).toEqual(
      PROBES.filter((probe) => failing.includes(probe)).map((probe) =>
        expect.stringMatching(new RegExp(`^FAILED ${names[probe]}: `)),
      ),
    );
    for (const probe of failing) expect(sent[0]?.text).toContain(WHY[probe].message);
    expect(sent[0]?.subject).toBe(
      `cfn-watchdog self-check: ${failing.length} of 5 checks failed ` +
        `(${lines.map((line) => line.slice(7).split(':')[0]).join(', ')})`,
    );
  });

  it.each([
    ['no sweep ever completed', null, 'FAILED sweep heartbeat: no sweep has ever completed'],
    [
      'the last sweep is 11 minutes old',
      NOW - 11 * 60_000,
      'FAILED sweep heartbeat: the last sweep completed at 2024-03-05T05:49:00Z, 11 min ago (more than 10 min)',
    ],
  ])('pages when %s', async (_what, heartbeat, line) => {
    // Prepare
    const { deps, sent } = fakes({ heartbeat });

    // Act
    await selfCheck(deps);

    // Assess
    expect(failedLines(sent[0]?.text ?? '')).toEqual([line]);
  });

  it('passes a heartbeat exactly at the limit', async () => {
    const { deps, sent } = fakes({ heartbeat: NOW - HEARTBEAT_MAX_AGE_MS });
    await selfCheck(deps);
    expect(sent).toEqual([]);
  });

  it('says what to do for each failed check', async () => {
    const { deps, sent } = fakes({ failing: ['key'] });
    await selfCheck(deps);
    expect(sent[0]?.text).toContain(
      '  What to do: The key encrypts the table, the alerts topic and the dead-letter queue: enable it (aws kms ' +
        'enable-key)',
    );
  });

  it(
    'lists the muted stacks in the failure page, and folds the newly muted into it rather than a second ' + 'message',
    async () => {
      // Prepare
      const stacks = [muted('preview-2'), muted('preview-1')];
      const { deps, sent } = fakes({
        failing: ['bus'],
        muted: stacks,
        previous: memoryOf([muted('preview-1')], t('05:00')),
      });

      // Act
      const result = await selfCheck(deps);

      // Assess
      expect(sent).toHaveLength(1);
      expect(result.newlyMuted.map((stack) => stack.stackName)).toEqual(['preview-2']);
      const text = sent[0]?.text ?? '';
      expect(text).toContain('Stacks muted by their cfn-watchdog:mute tag (2, 1 newly muted): they never page.');
      expect(text).toContain(`- preview-1: service preview-1 in `);
      expect(text).toContain(`- preview-2 (newly muted): service preview-2 in `);
    },
  );

  it('sends one notice naming only the newly muted stacks when all checks pass, and none the next day', async () => {
    // Prepare
    const stacks = [muted('preview-1'), muted('preview-2'), muted('preview-3')];
    const first = fakes({ muted: stacks, previous: memoryOf([muted('preview-1')], t('05:00')) });

    // Act
    await selfCheck(first.deps);
    const next = fakes({ muted: stacks, previous: first.remembered[0] ?? null });
    await selfCheck(next.deps);

    // Assess
    expect(first.sent).toHaveLength(1);
    expect(first.sent[0]?.subject).toBe('cfn-watchdog: 2 stacks newly muted by their cfn-watchdog:mute tag');
    expect(first.sent[0]?.text).toContain('(3 in all)');
    expect(first.sent[0]?.text).not.toContain('- preview-1');
    expect(next.sent).toEqual([]);
  });

  it('sends no notice when a stack was only unmuted', async () => {
    const { deps, sent } = fakes({
      muted: [muted('preview-1')],
      previous: memoryOf([muted('preview-1'), muted('preview-2')], t('05:00')),
    });
    await selfCheck(deps);
    expect(sent).toEqual([]);
  });

  it('counts the muted stacks that cannot be listed as a failed check', async () => {
    const { deps, sent, remembered } = fakes({ muted: new Error('throttled') });
    const result = await selfCheck(deps);
    expect(failedLines(sent[0]?.text ?? '')).toEqual(['FAILED muted stacks: throttled']);
    expect(result.checks).toHaveLength(6);
    // What was not seen is not remembered: the next self-check compares with the last one that saw.
    expect(remembered).toEqual([]);
  });

  it(
    'fails the invocation when all passed but its memory cannot be written, and not when a page ' + 'went out',
    async () => {
      const quiet = fakes({ memoryWrite: new Error('AccessDenied') });
      await expect(selfCheck(quiet.deps)).rejects.toThrow(SelfCheckMemoryError);
      const paging = fakes({ failing: ['table'], memoryWrite: new Error('AccessDenied') });
      await expect(selfCheck(paging.deps)).resolves.toMatchObject({
        sent: { subject: expect.stringContaining('(table)') },
      });
    },
  );
});

describe('newlyMuted', () => {
  it('counts every muted stack as new before the first self-check', () => {
    expect(newlyMuted([muted('b'), muted('a')], null).map((stack) => stack.stackName)).toEqual(['a', 'b']);
  });

  it('remembers at most the bound, and past it tells apart only the ids up to the last one remembered', () => {
    // Prepare: the bound and two more, remembered; then one new stack sorting first, one sorting last.
    const names = Array.from({ length: MAX_REMEMBERED_MUTED + 2 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    const memory = memoryOf(names.map(muted), NOW);

    // Act
    const found = newlyMuted([...names, 'a-new', 'z-new'].map(muted), memory);

    // Assess
    expect(memory.mutedStackIds).toHaveLength(MAX_REMEMBERED_MUTED);
    expect(memory.mutedTotal).toBe(MAX_REMEMBERED_MUTED + 2);
    expect(found.map((stack) => stack.stackName)).toEqual(['a-new']);
  });
});
