#!/usr/bin/env node
// Runs dist/cli.mjs, the bundle `npm install` and `npm ci` build (prepare: scripts/build-cli.ts),
// when it is newer than every file of the repository it was built from (dist/cli-inputs.json)
// and CFN_WATCHDOG_DEV is unset (or empty): one file loads far faster than the TypeScript
// sources compiled through tsx on every run. Otherwise it runs the sources through tsx, so that
// the command works in a clone whose install skipped prepare (`--ignore-scripts`) and a source
// edited since the build is never run stale; vitest sets CFN_WATCHDOG_DEV, so the tests run
// the sources too, but for the one that checks the bundle.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundle, if it may be run; else undefined. */
function freshBundle() {
  if (process.env.CFN_WATCHDOG_DEV) return undefined;
  const bundle = join(root, 'dist', 'cli.mjs');
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(root, 'dist', 'cli-inputs.json'), 'utf8'));
    return inputs.every((input) => statSync(join(root, input)).mtimeMs <= built) ? bundle : undefined;
  } catch {
    // No bundle or list yet, or a file it was built from is gone: only the sources can tell.
    return undefined;
  }
}

const bundle = freshBundle();
let main;
if (bundle === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
} else {
  ({ main } = await import(pathToFileURL(bundle).href));
}
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: Boolean(process.stdout.isTTY),
});
