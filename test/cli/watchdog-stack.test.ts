/**
 * `--watchdog-stack`: the read commands find the deployed
 * table through the watchdog stack's TableName output, against moto's CloudFormation and
 * DynamoDB — through `--endpoint`, and through the normal credential chain (AWS_ENDPOINT_URL).
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDynamoDbStore, ensureTable } from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import { record, saveNew, serviceKey, stateOf, t } from '../support/states.ts';
import { expectOneLine, runCli } from './harness.ts';

const REGION = 'eu-central-1';
const watchdogStack = `cfn-watchdog-${randomUUID().slice(0, 8)}`;
const unrelatedStack = `unrelated-${randomUUID().slice(0, 8)}`;
const tableName = `cfn-watchdog-WatchdogTable-${randomUUID().slice(0, 8)}`;
const RANGE = ['--from', '2024-03-05', '--to', '2024-03-06', '--format', 'json'];

function template(outputs: Record<string, unknown>): string {
  return JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue' } }, Outputs: outputs });
}

beforeAll(async () => {
  const endpoint = inject('motoEndpoint');
  const cloudFormation = new CloudFormationClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await cloudFormation.send(
    new CreateStackCommand({ StackName: watchdogStack, TemplateBody: template({ TableName: { Value: tableName } }) }),
  );
  await cloudFormation.send(
    new CreateStackCommand({
      StackName: unrelatedStack,
      TemplateBody: template({ QueueUrl: { Value: { Ref: 'Queue' } } }),
    }),
  );
  const client = localDynamoDbClient(endpoint, REGION);
  await ensureTable(client, tableName);
  // An update that ran 30 minutes: a WARNING window 10:00–10:30.
  const store = createDynamoDbStore({ client, tableName });
  await saveNew(
    store,
    stateOf(serviceKey('checkout'), [
      record('checkout', '10:00', 'UPDATE_IN_PROGRESS'),
      record('checkout', '10:30', 'UPDATE_COMPLETE'),
    ]),
    t('11:00'),
  );
});

afterEach(() => {
  vi.unstubAllEnvs();
});

const expectedWindow = {
  start: '2024-03-05T10:00:00Z',
  end: '2024-03-05T10:30:00Z',
  service: 'checkout',
  peakSeverity: 'WARNING',
};

describe('--watchdog-stack', () => {
  it("reads the table named by the stack's TableName output, at --endpoint", async () => {
    // Act
    const run = await runCli([
      'windows',
      '--endpoint',
      inject('motoEndpoint'),
      '--watchdog-stack',
      watchdogStack,
      '--aws-region',
      REGION,
      ...RANGE,
    ]);

    // Assess
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject([expectedWindow]);
  });

  it('reads it through the normal credential chain and region too', async () => {
    // Prepare: the SDK's own endpoint variable points the default clients at moto.
    vi.stubEnv('AWS_ENDPOINT_URL', inject('motoEndpoint'));
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    vi.stubEnv('AWS_REGION', REGION);

    // Act
    const run = await runCli(['windows', '--watchdog-stack', watchdogStack, ...RANGE]);

    // Assess
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject([expectedWindow]);
  });

  it("takes --stack beside it as the watched stack, not the watchdog's", async () => {
    // Act
    const named = await runCli([
      'windows',
      '--endpoint',
      inject('motoEndpoint'),
      '--watchdog-stack',
      watchdogStack,
      '--stack',
      'checkout',
      '--aws-region',
      REGION,
      ...RANGE,
    ]);
    const other = await runCli([
      'windows',
      '--endpoint',
      inject('motoEndpoint'),
      '--watchdog-stack',
      watchdogStack,
      '--stack',
      watchdogStack,
      '--aws-region',
      REGION,
      ...RANGE,
    ]);

    // Assess
    expect([named.status, named.stderr]).toEqual([0, '']);
    expect(JSON.parse(named.stdout)).toMatchObject([expectedWindow]);
    expect([other.status, other.stdout, other.stderr]).toEqual([0, '[]\n', '']);
  });

  it.each([
    [['--watchdog-stack', 'no-such-stack'], "stack 'no-such-stack' not found in"],
    [['--watchdog-stack', unrelatedStack], `stack '${unrelatedStack}' in`],
    [['--watchdog-stack', unrelatedStack], 'has no TableName output: is it the cfn-watchdog stack (template.yaml)?'],
  ])('exits 2 with one line when %j names no watchdog: %s', async (flags, message) => {
    // Act
    const run = await runCli([
      'windows',
      '--endpoint',
      inject('motoEndpoint'),
      '--aws-region',
      REGION,
      ...flags,
      ...RANGE,
    ]);

    // Assess
    expect(run.status).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(message);
  });

  it('says where the data is when --stack alone is given: it no longer names the watchdog stack', async () => {
    // Act
    const run = await runCli(['status', '--stack', watchdogStack]);

    // Assess
    expect(run.status).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain('say where the data is');
  });
});
