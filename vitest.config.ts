import { defineConfig } from 'vitest/config';

/**
 * Three projects: everything against dynalite, and the store's whole suite again against moto,
 * an independent DynamoDB implementation, and against the in-process table replay runs on. The races
 * (test/app/concurrency.test.ts) run on
 * dynalite only: moto 5.2 does not make a conditional write atomic against concurrent requests
 * (8 parallel `attribute_not_exists` puts on one key let two writers win in about 1 round in
 * 20), so there a race test would test moto.
 */
const DYNAMODB_SUITES = ['test/adapters/dynamodb-store.test.ts', 'test/adapters/item-table.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    // CFN_WATCHDOG_DEV: the commands the tests start run the sources, not a bundle built from
    // older ones (cli/bin.js); test/cli/bin.test.ts runs the bundle on purpose. The Lambda
    // handlers' JSON logs and metrics (Powertools) would be most of the output, between the
    // results: a test that checks them turns them back on (test/functions/lambda-harness.ts).
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CFN_WATCHDOG_DEV: '1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
    testTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'dynalite', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'moto', include: DYNAMODB_SUITES, env: { WATCHDOG_TEST_DYNAMODB: 'moto' } } },
      { extends: true, test: { name: 'memory', include: DYNAMODB_SUITES, env: { WATCHDOG_TEST_DYNAMODB: 'memory' } } },
    ],
  },
});
