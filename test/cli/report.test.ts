/**
 * `cfn-watchdog report`: the HTML renderer on small hand-made data (escaping, open windows,
 * threshold marks, phases, zones, no URL), and the command on the seed incident's store.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, type ReportData, type ReportNotification, type ReportService } from '../../cli/report.ts';
import { deriveOperations, type StatusRecord } from '../../shared/domain/operations.ts';
import { parseThresholds } from '../../shared/domain/thresholds.ts';
import type { ImpactWindow } from '../../shared/domain/windows.ts';
import { rec, stack, t, type TestStack } from '../domain/fixtures.ts';
import { expectOneLine, runCli, SEED, SEED_RULE } from './harness.ts';

// ---- reading the HTML back ------------------------------------------------------------------------

type Attributes = Record<string, string>;

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescapeHtml = (text: string): string =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity);

/** The attributes of every start tag that has ATTRIBUTE, in document order. */
function tagsWith(html: string, attribute: string): Attributes[] {
  const found: Attributes[] = [];
  for (const tag of html.matchAll(/<([a-z]+)((?:\s+[a-z][\w-]*(?:="[^"]*")?)*)\s*\/?>/g)) {
    const values: Attributes = { tag: tag[1] ?? '' };
    for (const pair of (tag[2] ?? '').matchAll(/([a-z][\w-]*)(?:="([^"]*)")?/g))
      values[pair[1] ?? ''] = unescapeHtml(pair[2] ?? '');
    if (attribute in values) found.push(values);
  }
  return found;
}

/** The text inside each TAG element whose start tag contains ATTRIBUTE (any TAG when ''), tags removed. */
function textOf(html: string, tag: string, attribute: string): string[] {
  const start = attribute === '' ? `<${tag}(?:\\s[^>]*)?>` : `<${tag}\\s[^>]*${attribute}[^>]*>`;
  const pattern = new RegExp(`${start}([\\s\\S]*?)</${tag}>`, 'g');
  return [...html.matchAll(pattern)].map((match) =>
    unescapeHtml((match[1] ?? '').replace(/<br>/g, '\n').replace(/<[^>]+>/g, '')),
  );
}

const numberAt = (tag: Attributes | undefined, name: string): number => Number(tag?.[name]);

/** Where the axis puts AT: between the two ticks around it, as a reader of the chart finds it. */
function axisX(html: string, at: string): number {
  const ticks = tagsWith(html, 'data-tick').map((tick) => ({
    at: Date.parse(tick['data-tick'] ?? ''),
    x: numberAt(tick, 'data-x'),
  }));
  const wanted = Date.parse(at);
  const before = ticks.filter((tick) => tick.at <= wanted).at(-1);
  const after = ticks.find((tick) => tick.at > wanted) ?? ticks.at(-1);
  if (before === undefined || after === undefined || after.at === before.at)
    throw new Error(`${at} is not inside the axis`);
  return before.x + ((wanted - before.at) / (after.at - before.at)) * (after.x - before.x);
}

// ---- hand-made data ---------------------------------------------------------------------------------

const KEY = { account: '123456789012', region: 'eu-west-1', service: 'checkout' };
const CORE = stack('checkout-core-prod');

function stackOf(on: TestStack, records: readonly StatusRecord[]) {
  return { stackId: on.stackId, stackName: on.stackName, operations: deriveOperations(records) };
}

function reportOf(
  service: Partial<ReportService> & Pick<ReportService, 'stacks'>,
  overrides: Partial<ReportData> = {},
): ReportData {
  return {
    from: t('18:30'),
    to: t('20:30'),
    generatedAt: t('20:30'),
    thresholds: parseThresholds('*=20m/40m'),
    services: [{ key: KEY, windows: [], notifications: [], ...service }],
    ...overrides,
  };
}

const closedWindow: ImpactWindow = {
  start: t('19:09'),
  end: t('20:07'),
  peakSeverity: 'CRITICAL',
  stacks: ['checkout-core-prod'],
  awaitingReplacementSince: null,
};
const openWindow: ImpactWindow = {
  start: t('19:09'),
  end: null,
  peakSeverity: 'WARNING',
  stacks: ['checkout-core-prod'],
  awaitingReplacementSince: null,
};
const longDelete = [rec(CORE, '19:09', 'DELETE_IN_PROGRESS', 'User Initiated'), rec(CORE, '20:07', 'DELETE_COMPLETE')];

describe('renderReport', () => {
  it.each([
    [
      'a stack name',
      { stackName: '<script>alert(1)</script>', reason: 'User Initiated', service: 'checkout' },
      '<script>alert(1)</script>',
    ],
    [
      'a status reason',
      { stackName: 'checkout-core-prod', reason: 'Bucket "logs" <b>exists</b> & is not empty', service: 'checkout' },
      'Bucket "logs" <b>exists</b> & is not empty',
    ],
    [
      'a service name',
      { stackName: 'checkout-core-prod', reason: '', service: "o'brien<svg onload=alert(1)>" },
      "o'brien<svg onload=alert(1)>",
    ],
  ])('escapes %s, which is user data', (_what, { stackName, reason, service }, hostile) => {
    // Prepare
    const hostileStack = { stackId: CORE.stackId, stackName };
    const data = reportOf({
      key: { ...KEY, service },
      stacks: [
        stackOf(hostileStack, [
          rec(hostileStack, '19:09', 'DELETE_IN_PROGRESS', reason),
          rec(hostileStack, '20:07', 'DELETE_FAILED', reason),
        ]),
      ],
      windows: [{ ...closedWindow, stacks: [stackName] }],
      notifications: [{ at: t('19:29'), severity: 'WARNING', stackId: CORE.stackId, stackName }],
    });

    // Act
    const html = renderReport(data);

    // Assess
    expect(html).not.toContain(hostile);
    expect(html).not.toMatch(/<(script|b|svg onload)[\s>]/);
    expect(html).toContain(
      hostile
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&#39;'),
    );
    expect(tagsWith(html, 'data-stack-row').map((row) => row['data-stack-row'])).toEqual([stackName]);
  });

  it('says an open window is open: in the table, on the shade, in the hand-off and its command', () => {
    // Prepare
    const data = reportOf(
      { stacks: [stackOf(CORE, [rec(CORE, '19:09', 'DELETE_IN_PROGRESS', 'User Initiated')])], windows: [openWindow] },
      { generatedAt: t('20:00') },
    );

    // Act
    const html = renderReport(data, { sourceArgs: ['--table', 'watchdog-table'] });

    // Assess
    const [row] = textOf(html, 'tr', 'data-window-row');
    expect(row).toBe(
      '2021-09-21T19:09:00Z' +
        'open' +
        '51 min so far' +
        'checkout' +
        '123456789012' +
        'eu-west-1' +
        'WARNING' +
        'checkout-core-prod',
    );
    expect(tagsWith(html, 'data-window-start')).toEqual([
      expect.objectContaining({ 'data-window-start': '2021-09-21T19:09:00Z', 'data-window-end': 'open' }),
    ]);
    expect(textOf(html, 'pre', 'data-handoff-interval')).toEqual([
      '[2021-09-21T19:09:00Z, …)  (still open: no end yet)',
    ]);
    expect(textOf(html, 'pre', 'data-handoff-predicate')).toEqual(["uploaded_at >= '2021-09-21T19:09:00Z'"]);
    expect(textOf(html, 'pre', 'data-handoff-command')).toEqual([
      'cfn-watchdog windows --table watchdog-table --service checkout --account 123456789012 --region eu-west-1 ' +
        '--from 2021-09-21T19:09:00Z --open --format json',
    ]);
  });

  it(
    'hands a closed window over as the half-open interval [start, end), a predicate and the command, all ' + 'in UTC',
    () => {
      // Prepare
      const data = reportOf({ stacks: [stackOf(CORE, longDelete)], windows: [closedWindow] });

      // Act
      const html = renderReport(data, { tz: 'Europe/Berlin', sourceArgs: ['--db', '/srv/incident db'] });

      // Assess
      expect(textOf(html, 'pre', 'data-handoff-interval')).toEqual(['[2021-09-21T19:09:00Z, 2021-09-21T20:07:00Z)']);
      expect(textOf(html, 'pre', 'data-handoff-predicate')).toEqual([
        "uploaded_at >= '2021-09-21T19:09:00Z' AND uploaded_at < '2021-09-21T20:07:00Z'",
      ]);
      expect(textOf(html, 'pre', 'data-handoff-command')).toEqual([
        "cfn-watchdog windows --db '/srv/incident db' --service checkout --account 123456789012 --region eu-west-1 " +
          '--from 2021-09-21T19:09:00Z --to 2021-09-21T20:07:00Z --format json',
      ]);
      expect(html).toContain('is an example column name');
    },
  );

  it('prints times in the --tz zone with its offset while the data attributes stay UTC', () => {
    // Prepare
    const data = reportOf({ stacks: [stackOf(CORE, longDelete)], windows: [closedWindow] });

    // Act
    const html = renderReport(data, { tz: 'Europe/Berlin' });

    // Assess
    const [row] = textOf(html, 'tr', 'data-window-row');
    expect(row).toContain('2021-09-21T21:09:00+02:00' + '2021-09-21T22:07:00+02:00' + '58 min');
    expect(tagsWith(html, 'data-window-start')[0]).toMatchObject({
      'data-window-start': '2021-09-21T19:09:00Z',
      'data-window-end': '2021-09-21T20:07:00Z',
    });
    expect(tagsWith(html, 'data-tick').map((tick) => tick['data-tick'])[0]).toBe('2021-09-21T18:30:00Z');
    expect(textOf(html, 'g', 'data-tick')[0]).toBe('20:30');
    expect(textOf(html, 'text', 'class="axis-caption"')).toEqual(['Europe/Berlin · 2021-09-21']);
  });

  it('shades the window across the rows of its service, from the axis position of its start to that of its end', () => {
    // Prepare
    const scan = stack('checkout-scan-prod');
    const data = reportOf({
      stacks: [
        stackOf(CORE, longDelete),
        stackOf(scan, [rec(scan, '19:33:14', 'CREATE_IN_PROGRESS'), rec(scan, '19:35:32', 'CREATE_COMPLETE')]),
      ],
      windows: [closedWindow],
    });

    // Act
    const html = renderReport(data);

    // Assess
    const [shade] = tagsWith(html, 'data-window-start');
    expect(numberAt(shade, 'x')).toBeCloseTo(axisX(html, '2021-09-21T19:09:00Z'), 1);
    expect(numberAt(shade, 'x') + numberAt(shade, 'width')).toBeCloseTo(axisX(html, '2021-09-21T20:07:00Z'), 1);
    const rowBands = tagsWith(html, 'class').filter((tag) => /^row-(even|odd)$/.test(tag.class ?? ''));
    expect(rowBands).toHaveLength(2);
    expect(numberAt(shade, 'y')).toBe(numberAt(rowBands[0], 'y'));
    expect(numberAt(shade, 'y') + numberAt(shade, 'height')).toBe(
      numberAt(rowBands[1], 'y') + numberAt(rowBands[1], 'height'),
    );
  });

  it.each([
    ['the default 20m/40m', '*=20m/40m', 'DELETE', ['2021-09-21T19:29:00Z', '2021-09-21T19:49:00Z']],
    [
      'the thresholds of its type',
      'DELETE=15m/30m,*=20m/40m',
      'DELETE',
      ['2021-09-21T19:24:00Z', '2021-09-21T19:39:00Z'],
    ],
    [
      'the * thresholds for a type not named',
      'DELETE=15m/30m,*=25m/50m',
      'UPDATE',
      ['2021-09-21T19:34:00Z', '2021-09-21T19:59:00Z'],
    ],
  ])('puts the warn and critical marks of an operation at its start plus %s', (_what, spec, type, expected) => {
    // Prepare
    const records = [
      rec(CORE, '19:09', `${type}_IN_PROGRESS`, 'User Initiated'),
      rec(CORE, '20:07', `${type}_COMPLETE`),
    ];
    const data = reportOf({ stacks: [stackOf(CORE, records)] }, { thresholds: parseThresholds(spec) });

    // Act
    const html = renderReport(data);

    // Assess
    const marks = tagsWith(html, 'data-threshold');
    expect(marks.map((mark) => [mark['data-threshold'], mark['data-at'], mark['data-reached']])).toEqual([
      ['warn', expected[0], 'true'],
      ['critical', expected[1], 'true'],
    ]);
    marks.forEach((mark, index) => {
      expect(numberAt(mark, 'x1')).toBeCloseTo(axisX(html, expected[index] ?? ''), 1);
    });
  });

  it('marks no threshold an ended operation never reached, and dashes those a running one is heading for', () => {
    // Prepare
    const scan = stack('checkout-scan-prod');
    const data = reportOf(
      {
        stacks: [
          stackOf(CORE, [rec(CORE, '19:09', 'DELETE_IN_PROGRESS', 'User Initiated')]),
          stackOf(scan, [rec(scan, '19:38:05', 'DELETE_IN_PROGRESS'), rec(scan, '19:38:14', 'DELETE_COMPLETE')]),
        ],
      },
      { generatedAt: t('19:40') },
    );

    // Act
    const html = renderReport(data);

    // Assess
    expect(
      tagsWith(html, 'data-threshold').map((mark) => [
        mark['data-operation-start'],
        mark['data-threshold'],
        mark['data-reached'],
        mark.class,
      ]),
    ).toEqual([
      ['2021-09-21T19:09:00Z', 'warn', 'true', 'threshold threshold-warn'],
      ['2021-09-21T19:09:00Z', 'critical', 'false', 'threshold threshold-critical threshold-upcoming'],
    ]);
  });

  it.each([
    [
      'a failed create that rolled back',
      ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'],
      ['phase-progress', 'phase-rollback'],
      'true',
    ],
    [
      'an update that cleaned up',
      ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
      ['phase-progress', 'phase-cleanup'],
      'false',
    ],
    [
      'an update rolled back and cleaned up',
      [
        'UPDATE_IN_PROGRESS',
        'UPDATE_ROLLBACK_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE',
      ],
      ['phase-progress', 'phase-rollback', 'phase-rollback'],
      'true',
    ],
  ])('colours %s by phase and its ending by outcome', (_what, statuses, phaseClasses, failed) => {
    // Prepare
    const times = ['19:00', '19:10', '19:20', '19:30'];
    const data = reportOf({
      stacks: [
        stackOf(
          CORE,
          statuses.map((status, index) => rec(CORE, times[index] ?? '', status)),
        ),
      ],
    });

    // Act
    const html = renderReport(data);

    // Assess
    const phases = tagsWith(html, 'data-phase');
    expect(phases.map((phase) => [phase['data-phase'], phase.class])).toEqual(
      statuses.slice(0, -1).map((status, index) => [status, `phase ${phaseClasses[index]}`]),
    );
    expect(tagsWith(html, 'data-operation')[0]?.['data-failed']).toBe(failed);
    expect(tagsWith(html, 'data-end-status')).toEqual([
      expect.objectContaining({
        'data-end-status': statuses.at(-1),
        class: `end-cap phase-${failed === 'true' ? 'failure' : 'success'}`,
      }),
    ]);
    expect(html.includes('class="outline-failed"')).toBe(failed === 'true');
  });

  it('gives a stack recreated under the same name a row of its own, told apart by its id', () => {
    // Prepare
    const first = stack('checkout-core-prod', '091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5');
    const second = stack('checkout-core-prod', '6ab2b409-1b15-11ec-a8f1-0254c7e39ab2');
    const data = reportOf({
      stacks: [
        stackOf(first, [rec(first, '19:09', 'DELETE_IN_PROGRESS'), rec(first, '19:56:30', 'DELETE_COMPLETE')]),
        stackOf(second, [rec(second, '19:52:14', 'CREATE_IN_PROGRESS'), rec(second, '20:07', 'CREATE_COMPLETE')]),
      ],
    });

    // Act
    const html = renderReport(data);

    // Assess
    expect(tagsWith(html, 'data-stack-row').map((row) => [row['data-stack-row'], row['data-stack-id']])).toEqual([
      ['checkout-core-prod', first.stackId],
      ['checkout-core-prod', second.stackId],
    ]);
    expect(textOf(html, 'text', 'class="stack-label"')).toEqual([
      `checkout-core-prod · 091c23ec${first.stackId}`,
      `checkout-core-prod · 6ab2b409${second.stackId}`,
    ]);
  });

  it('puts each notification on the row of its stack at the time it was sent, with a tooltip', () => {
    // Prepare
    const notifications: ReportNotification[] = [
      { at: t('19:29'), severity: 'WARNING', stackId: CORE.stackId, stackName: CORE.stackName },
      { at: t('19:49'), severity: 'CRITICAL', stackId: CORE.stackId, stackName: CORE.stackName },
    ];
    const data = reportOf({ stacks: [stackOf(CORE, longDelete)], windows: [closedWindow], notifications });

    // Act
    const html = renderReport(data);

    // Assess
    const markers = tagsWith(html, 'data-notification');
    expect(markers.map((marker) => [marker['data-notification'], marker['data-at'], marker['data-stack-id']])).toEqual([
      ['WARNING', '2021-09-21T19:29:00Z', CORE.stackId],
      ['CRITICAL', '2021-09-21T19:49:00Z', CORE.stackId],
    ]);
    expect(numberAt(markers[0], 'data-x')).toBeCloseTo(axisX(html, '2021-09-21T19:29:00Z'), 1);
    expect(textOf(html, 'title', '')).toEqual(
      expect.arrayContaining([
        'WARNING sent 2021-09-21T19:29:00Z for checkout-core-prod',
        'CRITICAL sent 2021-09-21T19:49:00Z for checkout-core-prod',
      ]),
    );
  });

  it.each([
    ['a report with no window', reportOf({ stacks: [] })],
    [
      'a report with a window, marks and notifications',
      reportOf({
        stacks: [stackOf(CORE, longDelete)],
        windows: [closedWindow],
        notifications: [{ at: t('19:29'), severity: 'WARNING', stackId: CORE.stackId, stackName: CORE.stackName }],
      }),
    ],
  ])('needs no network: %s names no URL, loads nothing and runs no script', (_what, data) => {
    // Act
    const html = renderReport(data, { sourceArgs: ['--db', '/srv/incident'] });

    // Assess
    expect(html).not.toMatch(/https?:|\/\/|url\(|@import|<script|<link|<img|\ssrc=|\shref=/i);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });
});

// ---- the command ----------------------------------------------------------------------------------

describe('cfn-watchdog report', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-report-'));
  const db = path.join(scratch, 'seed');
  const SEED_RANGE = ['--from', '2021-09-21T18:30:00Z', '--to', '2021-09-21T20:30:00Z'];

  beforeAll(async () => {
    const replayed = await runCli([
      'replay',
      SEED,
      '--service-rule',
      SEED_RULE,
      '--until',
      '2021-09-21T20:30:00Z',
      '--db',
      db,
      '--format',
      'json',
    ]);
    expect(replayed.status, replayed.stderr).toBe(0);
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('writes the file and says what is in it in one line', async () => {
    // Prepare
    const out = path.join(scratch, 'report.html');

    // Act
    const run = await runCli(['report', '--db', db, ...SEED_RANGE, '--out', out, '--as-of', '2021-09-21T21:00:00Z']);

    // Assess
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`wrote ${out}: 1 window, 3 stacks\n`);
    const html = readFileSync(out, 'utf8');
    expect(tagsWith(html, 'data-stack-row').map((row) => row['data-stack-row'])).toEqual([
      'trustsource-core-prod',
      'trustsource-scan-prod',
      'trustsource-scan-v2-prod',
    ]);
    expect(tagsWith(html, 'data-generated-at')[0]?.['data-generated-at']).toBe('2021-09-21T21:00:00Z');
    expect(textOf(html, 'pre', 'data-handoff-command')).toEqual([
      `cfn-watchdog windows --db ${db} --service trustsource-core --account 123456789012 --region eu-central-1 ` +
        `--from 2021-09-21T19:09:00Z --to 2021-09-21T20:07:00Z --format json`,
    ]);
  });

  it("dates the report at the store's last change, not the wall clock, without --as-of", async () => {
    // Prepare
    const out = path.join(scratch, 'report-as-of-store.html');

    // Act
    const run = await runCli(['report', '--db', db, ...SEED_RANGE, '--out', out], '2026-12-05T12:00:00Z');

    // Assess
    expect(run).toEqual({ status: 0, stdout: `wrote ${out}: 1 window, 3 stacks\n`, stderr: '' });
    // Replayed to 20:30: the sweep of 20:09 changed a state last.
    expect(tagsWith(readFileSync(out, 'utf8'), 'data-generated-at')[0]?.['data-generated-at']).toBe(
      '2021-09-21T20:09:00Z',
    );
  });

  it('reports only the watched stack with --stack, and the window naming it', async () => {
    // Prepare
    const out = path.join(scratch, 'report-one-stack.html');

    // Act
    const run = await runCli(['report', '--db', db, ...SEED_RANGE, '--stack', 'trustsource-scan-prod', '--out', out]);

    // Assess
    expect(run).toEqual({ status: 0, stdout: `wrote ${out}: 1 window, 1 stack\n`, stderr: '' });
    expect(tagsWith(readFileSync(out, 'utf8'), 'data-stack-row').map((row) => row['data-stack-row'])).toEqual([
      'trustsource-scan-prod',
    ]);
  });

  it('reports only the service asked for, and no stack when it had no window', async () => {
    // Prepare
    const out = path.join(scratch, 'other-service.html');

    // Act
    const run = await runCli(['report', '--db', db, ...SEED_RANGE, '--service', 'billing', '--out', out]);

    // Assess
    expect(run.stdout).toBe(`wrote ${out}: 0 windows, 0 stacks\n`);
    expect(readFileSync(out, 'utf8')).toContain('No impact window overlaps this range.');
  });

  it.each([
    [
      ['--from', '2021-09-21T18:30:00Z', '--to', '2021-09-21T20:30:00Z'],
      "required option '--out <file>' not specified",
    ],
    [
      ['--from', '2021-09-21T20:30:00Z', '--to', '2021-09-21T18:30:00Z', '--out', 'never.html'],
      '--from must be before --to',
    ],
    [[...SEED_RANGE, '--tz', 'Mars/Olympus', '--out', 'never.html'], "--tz: 'Mars/Olympus' is not a time zone"],
    [[...SEED_RANGE, '--thresholds', 'DELETE=40m/20m', '--out', 'never.html'], 'expected 0 < warn <= critical'],
    [
      [...SEED_RANGE, '--out', '/nonexistent-folder/report.html'],
      "--out: cannot write '/nonexistent-folder/report.html'",
    ],
  ])('exits 2 with one line for %j', async (args, message) => {
    // Act
    const run = await runCli(['report', '--db', db, ...args]);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(message);
    expect(existsSync('never.html')).toBe(false);
  });
});
