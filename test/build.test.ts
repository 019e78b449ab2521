/**
 * `npm run build` (scripts/build.ts): the esbuild options are those `sam build` derives from
 * template.yaml, and each bundle loads on its own in a fresh Node.js, as Lambda loads it
 * (no node_modules beside it; no "Dynamic require of node:https").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  build,
  BuildConfigError,
  bundleName,
  bundleTargets,
  esbuildOptions,
  nodeOptionsOf,
  REPO_ROOT,
  type BuiltBundle,
} from '../scripts/build.ts';
import { readTemplate } from '../scripts/cfn-template.ts';

const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";
const template = readTemplate(join(REPO_ROOT, 'template.yaml'));

describe('esbuild options from template.yaml', () => {
  it('bundle each esbuild-built function into dist/<kebab-case name>/ with exactly the options SAM derives', () => {
    const targets = bundleTargets(template, { root: REPO_ROOT, outRoot: '/out' });
    expect(targets.map(({ logicalId, name, handler }) => ({ logicalId, name, handler }))).toEqual([
      { logicalId: 'StackEventsFunction', name: 'stack-events', handler: 'handler.handler' },
      { logicalId: 'SweeperFunction', name: 'sweeper', handler: 'handler.handler' },
      { logicalId: 'SelfCheckFunction', name: 'self-check', handler: 'handler.handler' },
    ]);
    expect(targets[0]?.options).toEqual({
      absWorkingDir: REPO_ROOT,
      entryPoints: ['functions/stack-events/handler.ts'],
      bundle: true,
      platform: 'node',
      outdir: '/out/stack-events',
      format: 'esm',
      target: ['node22'],
      minify: true,
      sourcemap: false,
      external: [
        '@aws-sdk/credential-provider-sso',
        '@aws-sdk/credential-provider-ini',
        '@aws-sdk/credential-provider-process',
        '@aws-sdk/credential-provider-web-identity',
        '@aws-sdk/credential-provider-http',
        '@smithy/credential-provider-imds',
      ],
      mainFields: ['module', 'main'],
      outExtension: { '.js': '.mjs' },
      banner: { js: BANNER },
      logLevel: 'warning',
    });
    expect(targets[1]?.options.entryPoints).toEqual(['functions/sweeper/handler.ts']);
    expect(targets[2]?.options.entryPoints).toEqual(['functions/self-check/handler.ts']);
  });

  it.each([
    ['adds the flag to a map-building function with no NODE_OPTIONS', {}, true, '--enable-source-maps'],
    [
      "adds it after the function's own options",
      { NODE_OPTIONS: '--max-old-space-size=256' },
      true,
      '--max-old-space-size=256 --enable-source-maps',
    ],
    ['keeps a NODE_OPTIONS that has it', { NODE_OPTIONS: '--enable-source-maps' }, true, '--enable-source-maps'],
    ['adds nothing without a map', { NODE_OPTIONS: '--max-old-space-size=256' }, false, '--max-old-space-size=256'],
    ['is nothing without a map or options', {}, false, null],
  ])('deploy NODE_OPTIONS as sam build does: %s', (_, variables, sourcemap, expected) => {
    // Act
    const deployed = nodeOptionsOf({ Environment: { Variables: variables } }, {}, { Sourcemap: sourcemap });

    // Assess
    expect(deployed).toBe(expected);
  });

  it('deploy no function with --enable-source-maps, so that no cold start parses a map', () => {
    const targets = bundleTargets(template, { root: REPO_ROOT, outRoot: '/out' });
    expect(
      targets.map(({ logicalId, nodeOptions }) => [logicalId, nodeOptions?.includes('--enable-source-maps') ?? false]),
    ).toEqual([
      ['StackEventsFunction', false],
      ['SweeperFunction', false],
      ['SelfCheckFunction', false],
    ]);
  });

  it('give every function the same options but its entry point and folder (SAM has no Globals for Metadata)', () => {
    // Act
    const shared = bundleTargets(template, { root: REPO_ROOT, outRoot: '/out' }).map(({ options }) => {
      const { entryPoints: _entry, outdir: _outdir, ...rest } = options;
      return rest;
    });

    // Assess: a function built otherwise would be measured by nothing the bench reports for the others.
    expect(shared).toHaveLength(3);
    for (const options of shared.slice(1)) expect(options).toEqual(shared[0]);
  });

  it("fill in SAM's defaults for what BuildProperties leave out (es2020, cjs, minified)", () => {
    const options = esbuildOptions({ EntryPoints: ['scripts/build.ts'] }, { codeDir: REPO_ROOT, outdir: '/out' });
    expect(options).toMatchObject({ target: ['es2020'], format: 'cjs', minify: true, sourcemap: false });
    expect(options).not.toHaveProperty('mainFields');
    // An entry point without an extension is found as .ts (then .js).
    expect(
      esbuildOptions({ EntryPoints: ['scripts/build'] }, { codeDir: REPO_ROOT, outdir: '/out' }).entryPoints,
    ).toEqual(['scripts/build.ts']);
  });

  it('refuse what they do not translate, rather than bundle differently from SAM', () => {
    const outdir = '/out';
    expect(() =>
      esbuildOptions({ EntryPoints: ['scripts/build.ts'], KeepNames: true }, { codeDir: REPO_ROOT, outdir }),
    ).toThrow(/KeepNames/);
    expect(() => esbuildOptions({ EntryPoints: [] }, { codeDir: REPO_ROOT, outdir })).toThrow(BuildConfigError);
    expect(() => esbuildOptions({ EntryPoints: ['nowhere.ts'] }, { codeDir: REPO_ROOT, outdir })).toThrow(
      /does not exist/,
    );
    expect(() =>
      esbuildOptions({ EntryPoints: ['scripts/build.ts'], Banner: 'js=x' }, { codeDir: REPO_ROOT, outdir }),
    ).toThrow(/list/);
  });

  it('name bundles after the logical id', () => {
    expect(bundleName('StackEventsFunction')).toBe('stack-events');
    expect(bundleName('SweeperFunction')).toBe('sweeper');
    expect(bundleName('DLQRedriveFunction')).toBe('dlq-redrive');
  });
});

describe('the bundles', () => {
  // Outside the repository, so that nothing can resolve from its node_modules: as on Lambda.
  const outRoot = mkdtempSync(join(tmpdir(), 'cfn-watchdog-build-'));
  let bundles: BuiltBundle[] = [];

  beforeAll(async () => {
    bundles = await build({ outRoot });
  }, 120_000);

  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  it('are written as dist/<name>/handler.mjs, without a source map (as deployed: nothing for Node.js to parse)', () => {
    expect(bundles.map((bundle) => bundle.handlerFile)).toEqual([
      join(outRoot, 'stack-events', 'handler.mjs'),
      join(outRoot, 'sweeper', 'handler.mjs'),
      join(outRoot, 'self-check', 'handler.mjs'),
    ]);
    expect(bundles.map((bundle) => bundle.files.filter((file) => file.endsWith('.map')))).toEqual([[], [], []]);
  });

  it.each(['stack-events', 'sweeper'])("%s puts the pages' events on the watchdog's bus", (name) => {
    // Both page (FAILED and RESOLVED from the events, WARNING and CRITICAL from the sweeps), and
    // each page goes to the bus as well.
    const code = readFileSync(join(outRoot, name, 'handler.mjs'), 'utf8');
    expect(code.includes('PutEvents')).toBe(true);
    expect(code.includes('Deployment Escalated')).toBe(true);
  });

  it('with --sourcemap are the same code, a map beside each, to read a stack trace of the deployed ' +
    'bundle', async () => {
    // Prepare
    const mappedRoot = mkdtempSync(join(tmpdir(), 'cfn-watchdog-build-mapped-'));
    try {
      // Act
      const mapped = await build({ outRoot: mappedRoot, sourcemap: true });

      // Assess: positions in a deployed bundle's stack trace are positions in the mapped one.
      for (const [index, bundle] of mapped.entries()) {
        expect(bundle.files).toContain(`${bundle.handlerFile}.map`);
        const deployed = readFileSync(bundles[index]?.handlerFile ?? '', 'utf8');
        const withMap = readFileSync(bundle.handlerFile, 'utf8');
        expect(withMap.replace(/\/\/# sourceMappingURL=handler\.mjs\.map\n$/, '')).toBe(deployed);
      }
    } finally {
      rmSync(mappedRoot, { recursive: true, force: true });
    }
  }, 120_000);

  it.each(['stack-events', 'sweeper', 'self-check'])(
    "%s imports the credential chain's later links only if reached",
    (name) => {
      const code = readFileSync(join(outRoot, name, 'handler.mjs'), 'utf8');
      const links =
        '@aws-sdk/credential-provider-(?:sso|ini|process|web-identity|http)|@smithy/credential-provider-imds';
      const external = new RegExp(`["'](${links})["']`, 'g');
      const imported = [...code.matchAll(external)].map((match) =>
        code.slice(Math.max(0, (match.index ?? 0) - 7), match.index),
      );
      expect(imported).toHaveLength(6);
      // Each one a dynamic import(), never a static import: nothing of them loads at cold start.
      expect(imported.every((before) => before.endsWith('import('))).toBe(true);
    },
  );

  it.each(['stack-events', 'sweeper', 'self-check'])(
    '%s loads in a fresh Node.js and exports handler',
    (name) => {
      const file = join(outRoot, name, 'handler.mjs');
      const loaded = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler)`],
        {
          cwd: outRoot,
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            WATCHDOG_TABLE_NAME: 't',
            WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t',
            WATCHDOG_KEY_ARN: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
            AWS_REGION: 'eu-west-1',
            // Lambda runs Node.js 22; this machine may run 20.
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      );
      expect(loaded.stderr).not.toMatch(/Dynamic require/);
      expect({ status: loaded.status, stdout: loaded.stdout.trim(), stderr: loaded.stderr }).toEqual({
        status: 0,
        stdout: 'function',
        stderr: '',
      });
    },
    60_000,
  );
});
