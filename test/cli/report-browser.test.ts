/**
 * The seed incident's report as a browser draws it: Debian's Chromium, headless, with every
 * request that is not the file itself refused. Asserts on the rendered page (boxes in pixels),
 * not on the markup, and leaves a full-page screenshot in CI's artefact folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, SEED, SEED_RULE, shellWords } from './harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(ROOT, 'test-artifacts/report-seed.png');
const chromiumMissing = !existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);
if (chromiumMissing && !inCi)
  console.warn(`report-browser: skipped: ${CHROMIUM} is missing (apt-get install chromium); CI fails here instead`);

const CORE_ID =
  'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-core-prod/091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5';
const SCAN_ID =
  'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-scan-prod/c3348cd2-1b12-11ec-b0a7-06d21c93e4f7';
const V2_ID =
  'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-scan-v2-prod/6ab2b409-1b15-11ec-a8f1-0254c7e3' +
  '9ab2';

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

async function boxOf(page: Page, selector: string): Promise<Box> {
  const box = await page.locator(selector).boundingBox();
  if (box === null) throw new Error(`${selector} is not rendered`);
  return box;
}

/** Each element's NAMES attributes, in document order. */
async function attributesOf(locator: Locator, names: readonly string[]): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  for (const element of await locator.all())
    rows.push(await Promise.all(names.map((name) => element.getAttribute(name))));
  return rows;
}

/** Where the rendered axis puts AT: between the rendered ticks around it. */
async function axisPixel(page: Page, at: string): Promise<number> {
  const ticks: { at: number; x: number }[] = [];
  for (const tick of await page.locator('[data-tick]').all()) {
    const line = await tick.locator('line').boundingBox();
    if (line === null) throw new Error('a tick is not rendered');
    ticks.push({ at: Date.parse((await tick.getAttribute('data-tick')) ?? ''), x: line.x + line.width / 2 });
  }
  const wanted = Date.parse(at);
  const before = ticks.filter((tick) => tick.at <= wanted).at(-1);
  const after = ticks.find((tick) => tick.at > wanted);
  if (before === undefined || after === undefined) throw new Error(`${at} is not inside the rendered axis`);
  return before.x + ((wanted - before.at) / (after.at - before.at)) * (after.x - before.x);
}

// CI installs Chromium (.ci/run): there a missing browser is a failed test, not a silent skip.
it.runIf(chromiumMissing && inCi)("finds Debian's Chromium in CI, where the browser test must not be skipped", () => {
  expect.fail(`${CHROMIUM} is missing: .ci/run installs it with apt-get (chromium)`);
});

describe.skipIf(chromiumMissing)('the seed incident report in Chromium', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-report-browser-'));
  const db = path.join(scratch, 'seed');
  const file = path.join(scratch, 'report.html');
  const refused: string[] = [];
  const requested: string[] = [];
  let browser: Browser | undefined;
  let page: Page;

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
    const report = await runCli([
      'report',
      '--db',
      db,
      '--from',
      '2021-09-21T18:30:00Z',
      '--to',
      '2021-09-21T20:30:00Z',
      '--out',
      file,
      '--as-of',
      '2021-09-21T21:00:00Z',
    ]);
    expect(report.status, report.stderr).toBe(0);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.route('**', async (route) => {
      const url = route.request().url();
      requested.push(url);
      if (url.startsWith('file:')) await route.continue();
      else {
        refused.push(url);
        await route.abort();
      }
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('draws one row per stack of the service, each stack id its own, by first operation', async () => {
    // Act
    const rows: (string | null)[][] = [];
    for (const row of await page.locator('[data-stack-row]').all())
      rows.push([await row.getAttribute('data-stack-row'), await row.locator('.stack-label').textContent()]);

    // Assess
    expect(rows).toEqual([
      ['trustsource-core-prod', `trustsource-core-prod${CORE_ID}`],
      ['trustsource-scan-prod', `trustsource-scan-prod${SCAN_ID}`],
      ['trustsource-scan-v2-prod', `trustsource-scan-v2-prod${V2_ID}`],
    ]);
    for (const name of ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod']) {
      await expect.poll(() => page.locator(`[data-stack-row="${name}"] .stack-label`).isVisible()).toBe(true);
    }
  });

  it('shades the window across the three rows from the axis position of 19:09 to that of 20:07', async () => {
    // Prepare
    const shade = '[data-window-start="2021-09-21T19:09:00Z"][data-window-end="2021-09-21T20:07:00Z"]';

    // Act
    const box = await boxOf(page, shade);
    const [start, end] = [await axisPixel(page, '2021-09-21T19:09:00Z'), await axisPixel(page, '2021-09-21T20:07:00Z')];
    const labels = await Promise.all(
      ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'].map((name) =>
        boxOf(page, `[data-stack-row="${name}"] .stack-label`),
      ),
    );

    // Assess
    expect(Math.abs(box.x - start)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(box.x + box.width - end)).toBeLessThanOrEqual(1.5);
    // 58 of the axis' 120 minutes: just under half of its 922 px.
    expect(box.width).toBeGreaterThan(440);
    expect(box.width).toBeLessThan(450);
    for (const label of labels) {
      expect(label.y).toBeGreaterThanOrEqual(box.y);
      expect(label.y + label.height).toBeLessThanOrEqual(box.y + box.height);
    }
  });

  it(
    'marks the WARNING at 19:29 and the CRITICAL at 19:49 on trustsource-core-prod, and the FAILED and ' + 'RESOLVED',
    async () => {
      // Act
      const markers = await attributesOf(page.locator('[data-notification]'), [
        'data-notification',
        'data-at',
        'data-stack-id',
      ]);
      const warning = await boxOf(page, '[data-notification="WARNING"] circle');
      const critical = await boxOf(page, '[data-notification="CRITICAL"] circle');
      const coreLabel = await boxOf(page, '[data-stack-row="trustsource-core-prod"] .stack-label');
      const scanLabel = await boxOf(page, '[data-stack-row="trustsource-scan-prod"] .stack-label');

      // Assess
      expect(markers).toEqual([
        ['WARNING', '2021-09-21T19:29:00Z', CORE_ID],
        ['CRITICAL', '2021-09-21T19:49:00Z', CORE_ID],
        ['RESOLVED', '2021-09-21T19:56:30Z', CORE_ID],
        ['FAILED', '2021-09-21T19:35:32Z', SCAN_ID],
      ]);
      expect(
        Math.abs(warning.x + warning.width / 2 - (await axisPixel(page, '2021-09-21T19:29:00Z'))),
      ).toBeLessThanOrEqual(1.5);
      expect(
        Math.abs(critical.x + critical.width / 2 - (await axisPixel(page, '2021-09-21T19:49:00Z'))),
      ).toBeLessThanOrEqual(1.5);
      // On trustsource-core-prod's row: below its label, above the next row's.
      for (const marker of [warning, critical]) {
        expect(marker.y).toBeGreaterThan(coreLabel.y);
        expect(marker.y + marker.height).toBeLessThan(scanLabel.y);
      }
    },
  );

  it('lists the window in the table and hands it over as a command that returns that window', async () => {
    // Act
    const cells = await page.locator('[data-window-row] td').allInnerTexts();
    const predicate = await page.locator('[data-handoff-predicate]').innerText();
    const command = await page.locator('[data-handoff-command]').innerText();
    const [program, ...argv] = shellWords(command);
    const pasted = await runCli(argv);

    // Assess
    expect(cells).toEqual([
      '2021-09-21T19:09:00Z',
      '2021-09-21T20:07:00Z',
      '58 min',
      'trustsource-core',
      '123456789012',
      'eu-central-1',
      'FAILED',
      'trustsource-core-prod\ntrustsource-scan-prod\ntrustsource-scan-v2-prod',
    ]);
    expect(predicate).toBe("uploaded_at >= '2021-09-21T19:09:00Z' AND uploaded_at < '2021-09-21T20:07:00Z'");
    expect(program).toBe('cfn-watchdog');
    expect(pasted.status, pasted.stderr).toBe(0);
    expect(JSON.parse(pasted.stdout)).toEqual([
      expect.objectContaining({
        start: '2021-09-21T19:09:00Z',
        end: '2021-09-21T20:07:00Z',
        service: 'trustsource-core',
      }),
    ]);
  });

  it('renders with no network: the file was the only request, nothing was refused', () => {
    expect(refused).toEqual([]);
    expect(requested).toEqual([pathToFileURL(file).href]);
  });

  it('leaves a full-page screenshot in test-artifacts/', async () => {
    // Prepare
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });

    // Act
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Assess
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: the width, then the height, big-endian; the page is the viewport's width and taller than it.
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.readUInt32BE(20)).toBeGreaterThan(900);
  });
});
