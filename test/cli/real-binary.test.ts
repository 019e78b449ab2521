/**
 * Issue 15's items through the real binary (`node cli/bin.js`), where the in-process tests do
 * not already run it: a store replayed twice, `timeline --stack`'s service, `--stack` as the
 * watched stack on the read commands.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshFolder, removeWrittenEvents, runBin, SEED, SEED_RULE } from './harness.ts';

let store = '';
const DAY = ['--from', '2021-09-21', '--to', '2021-09-22'];

beforeAll(async () => {
  store = path.join(freshFolder('real-binary'), 'seed-db');
  const replayed = await runBin(['replay', SEED, '--service-rule', SEED_RULE, '--db', store, '--format', 'json']);
  expect(replayed.status).toBe(0);
}, 60_000);

afterAll(() => removeWrittenEvents());

describe('the real binary', () => {
  it('refuses to replay into a store already there, saying what it holds, and leaves it as it was', async () => {
    // Act
    const again = await runBin(['replay', SEED, '--service-rule', SEED_RULE, '--db', store, '--format', 'json']);
    const windows = await runBin(['windows', '--db', store, ...DAY, '--format', 'json']);

    // Assess
    expect(again.status).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      `cfn-watchdog: ${store} already holds a replayed store (3 stacks, 1 window, events ` +
        `2021-09-21T19:09:00Z–2021-09-21T20:07:00Z); give --append to add to it, or another --db\n`,
    );
    // LevelDB may compact its files when opened: what it holds is what stays.
    expect(
      (JSON.parse(windows.stdout) as { start: string; end: string }[]).map(({ start, end }) => [start, end]),
    ).toEqual([['2021-09-21T19:09:00Z', '2021-09-21T20:07:00Z']]);
  });

  it('names the service of a stack asked for by name, as for the service', async () => {
    // Act
    const byStack = await runBin([
      'timeline',
      '--db',
      store,
      '--stack',
      'trustsource-scan-prod',
      ...DAY,
      '--format',
      'json',
    ]);

    // Assess
    expect(byStack.status).toBe(0);
    expect(byStack.stderr).toBe('');
    const services = new Set((JSON.parse(byStack.stdout) as { service: string | null }[]).map((row) => row.service));
    expect([...services]).toEqual(['trustsource-core']);
  });

  it.each([
    { stack: 'trustsource-scan-v2-prod', windows: [['2021-09-21T19:09:00Z', '2021-09-21T20:07:00Z']] },
    { stack: 'payments-prod', windows: [] },
  ])('lists with --stack $stack only the windows naming that watched stack', async ({ stack, windows }) => {
    // Act
    const run = await runBin(['windows', '--db', store, '--stack', stack, ...DAY, '--format', 'json']);

    // Assess
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as { start: string; end: string }[]).map(({ start, end }) => [start, end])).toEqual(
      windows,
    );
  });
});
