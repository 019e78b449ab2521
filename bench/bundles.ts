/**
 * The Lambdas' bundles, built as `npm run build` builds them (scripts/build.ts: the esbuild
 * options SAM derives from template.yaml) but minified, into a temporary folder; their size, and
 * how long a fresh `node` takes to import each one compared with importing an empty module.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import { bundleTargets, REPO_ROOT } from '../scripts/build.ts';
import { readTemplate } from '../scripts/cfn-template.ts';
import { median, progress } from './harness.ts';

export interface BundleFigures {
  /** Function logical id → bytes of the minified file Lambda loads (source map excluded). */
  readonly bundleBytes: Readonly<Record<string, number>>;
  /** Function logical id → median wall time of `node` importing the bundle, ms. */
  readonly coldImportMs: Readonly<Record<string, number>>;
  /** The same, as a multiple of `node` importing an empty module. */
  readonly coldImportRatio: Readonly<Record<string, number>>;
  /** The same with the template's NODE_OPTIONS (`--enable-source-maps` makes node read the map). */
  readonly coldImportWithTemplateNodeOptionsMs: Readonly<Record<string, number>>;
  readonly emptyImportMs: number;
  readonly templateNodeOptions: string | null;
  readonly runs: number;
  /** Function logical id → the packages (or `(app)` for this repo's code) that weigh most in it, bytes. */
  readonly heaviestInputs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Functions whose bundle failed to build or import, with why. */
  readonly errors: Readonly<Record<string, string>>;
}

/**
 * What the handlers read at cold start (shared/adapters/env-config.ts, the template's Globals),
 * with placeholder values: building the clients needs no network and no real credentials.
 */
const COLD_START_ENV: Record<string, string> = {
  AWS_REGION: 'eu-central-1',
  AWS_DEFAULT_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'cfn-watchdog-bench',
  WATCHDOG_TABLE_NAME: 'cfn-watchdog-bench',
  WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:cfn-watchdog-alerts',
  WATCHDOG_EVENT_BUS_NAME: 'default',
  WATCHDOG_HOME_ACCOUNT: '123456789012',
  POWERTOOLS_SERVICE_NAME: 'cfn-watchdog',
  POWERTOOLS_METRICS_NAMESPACE: 'cfn-watchdog',
};

/** Imports `file` in a fresh node and exits; the parent times the whole process, as a cold start pays it. */
const IMPORTER = 'await import(process.argv[1]);';

function coldImport(file: string, nodeOptions: string | null): { ms: number; error?: string } {
  // A clean environment: nothing of this process's (tsx's loader, a developer's NODE_OPTIONS) leaks in.
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', ...COLD_START_ENV, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
  const start = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', IMPORTER, pathToFileURL(file).href], { env, encoding: 'utf8', timeout: 20_000 });
  const ms = performance.now() - start;
  if (child.status !== 0) return { ms, error: (child.stderr || child.error?.message || `exit ${child.status}`).trim().split('\n').slice(0, 6).join(' | ') };
  return { ms };
}

function templateNodeOptions(template: ReturnType<typeof readTemplate>): string | null {
  const variables = (template.Globals?.['Function']?.['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  const value = variables?.['NODE_OPTIONS'];
  return typeof value === 'string' ? value : null;
}

/** The package an input file belongs to: `@scope/name` or `name` under node_modules, else `(app)`. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? '(app)';
}

/** Bytes each package contributes to one output, the 8 heaviest. */
function heaviest(inputs: Record<string, { bytesInOutput: number }>): Record<string, number> {
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  return Object.fromEntries([...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8));
}

export async function benchBundles({ runs }: { runs: number }): Promise<BundleFigures> {
  const outRoot = mkdtempSync(join(tmpdir(), 'cfn-watchdog-bench-'));
  try {
    const template = readTemplate(join(REPO_ROOT, 'template.yaml'));
    const targets = bundleTargets(template, { root: REPO_ROOT, outRoot });
    const nodeOptions = templateNodeOptions(template);
    const empty = join(outRoot, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');

    const bundleBytes: Record<string, number> = {};
    const heaviestInputs: Record<string, Record<string, number>> = {};
    const errors: Record<string, string> = {};
    const built: { logicalId: string; file: string }[] = [];
    for (const target of targets) {
      try {
        const result = await esbuild.build({ ...target.options, minify: true, metafile: true, logLevel: 'silent' });
        const module = target.handler.slice(0, target.handler.lastIndexOf('.'));
        const file = join(target.options.outdir, `${module}${target.options.outExtension?.['.js'] ?? '.js'}`);
        if (!Object.keys(result.metafile.outputs).some((output) => resolve(target.codeDir, output) === file)) {
          throw new Error(`esbuild did not write ${file}`);
        }
        bundleBytes[target.logicalId] = statSync(file).size;
        const output = Object.entries(result.metafile.outputs).find(([name]) => resolve(target.codeDir, name) === file)?.[1];
        heaviestInputs[target.logicalId] = heaviest(output?.inputs ?? {});
        built.push({ logicalId: target.logicalId, file });
      } catch (error) {
        errors[target.logicalId] = `build: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      }
    }
    progress(`bundles: built ${built.map(({ logicalId }) => `${logicalId} ${((bundleBytes[logicalId] ?? 0) / 1024).toFixed(0)} KiB`).join(', ')}`);

    // Alternated, so that a busy moment of the machine hits every subject alike.
    const samples = new Map<string, number[]>([['empty', []], ...built.flatMap(({ logicalId }) => [[logicalId, []], [`${logicalId}+options`, []]] as [string, number[]][])]);
    const note = (key: string, ms: number): void => void samples.get(key)?.push(ms);
    coldImport(empty, null);
    for (let run = 0; run < runs; run++) {
      note('empty', coldImport(empty, null).ms);
      for (const { logicalId, file } of built) {
        const plain = coldImport(file, null);
        if (plain.error) errors[logicalId] = `import: ${plain.error}`;
        note(logicalId, plain.ms);
        if (nodeOptions) note(`${logicalId}+options`, coldImport(file, nodeOptions).ms);
      }
    }
    const emptyImportMs = median(samples.get('empty') ?? []);
    const coldImportMs: Record<string, number> = {};
    const coldImportRatio: Record<string, number> = {};
    const withOptions: Record<string, number> = {};
    for (const { logicalId } of built) {
      if (errors[logicalId]) continue;
      coldImportMs[logicalId] = median(samples.get(logicalId) ?? []);
      coldImportRatio[logicalId] = (coldImportMs[logicalId] ?? Number.NaN) / emptyImportMs;
      if (nodeOptions) withOptions[logicalId] = median(samples.get(`${logicalId}+options`) ?? []);
    }
    return { bundleBytes, heaviestInputs, coldImportMs, coldImportRatio, coldImportWithTemplateNodeOptionsMs: withOptions, emptyImportMs, templateNodeOptions: nodeOptions, runs, errors };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}
