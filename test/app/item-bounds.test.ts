/**
 * DESIGN.md, access pattern 1: no item grows with the number of a service's stacks or with its
 * history; every item stays under 64 KB as DynamoDB counts it (UTF-8). Run through the use cases
 * on a real (embedded) DynamoDB, then measured item by item with the project's own size function:
 * dynalite counts UTF-16 units and would accept far larger items.
 */
import { describe, expect, it } from 'vitest';
import { itemSize } from '../../shared/adapters/item-size.ts';
import { MAX_ITEM_BYTES } from '../../shared/adapters/store-items.ts';
import type { StackDirectory } from '../../shared/app/ports.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';
import { NO_FACTS } from '../../shared/domain/stack-facts.ts';
import { formatInstant } from '../../shared/domain/time.ts';
import { freshStore } from '../support/dynamodb.ts';
import { stackArn, stackEvent, type StackSpec } from '../support/events.ts';
import { rawTable, runInVirtualTime, watchdog } from '../support/watchdog.ts';

const MIN = 60_000;
const START = Date.parse('2024-03-05T10:00:00Z');
/** A 300-character reason in 3-byte characters: 900 UTF-8 bytes, 300 UTF-16 units. */
const LONG_REASON = `Ressource konnte nicht aktualisiert werden: ${'失敗した更新'.repeat(50)}`.slice(0, 300);

const event = (stack: StackSpec, at: number, status: string, reason = ''): CloudFormationEvent =>
  parseCloudFormationEvent(stackEvent(stack, formatInstant(at), status, reason));

describe('item sizes as DynamoDB counts them', () => {
  it('stay under 64 KB for a root with 150 nested stacks deploying ok, failed, ok, failed with long non-ASCII reasons', async () => {
    // Prepare: four deployments of the root, 30 minutes apart; in the failed ones every nested
    // stack rolls back with a 300-character reason.
    const root: StackSpec = { name: 'platform-prod' };
    const nested: StackSpec[] = Array.from({ length: 150 }, (_, index) => ({
      name: `platform-prod-Nested${String(index).padStart(3, '0')}-${'X'.repeat(40)}`,
      uuid: `${String(index).padStart(8, '0')}-1b15-11ec-a8f1-0254c7e39ab2`,
    }));
    const rootId = stackArn(root);
    const stacks: StackDirectory = { factsOf: async (stackId) => ({ ...NO_FACTS, rootStackId: stackId === rootId ? null : rootId }) };
    const events: CloudFormationEvent[] = [];
    for (let deployment = 0; deployment < 4; deployment++) {
      const at = START + deployment * 30 * MIN;
      const failed = deployment % 2 === 1;
      events.push(event(root, at, 'UPDATE_IN_PROGRESS', 'User Initiated'));
      nested.forEach((stack, index) => {
        events.push(event(stack, at + 10_000 + index * 100, 'UPDATE_IN_PROGRESS'));
        if (failed) {
          events.push(event(stack, at + 5 * MIN + index * 100, 'UPDATE_ROLLBACK_IN_PROGRESS', LONG_REASON));
          events.push(event(stack, at + 8 * MIN + index * 100, 'UPDATE_ROLLBACK_COMPLETE'));
        } else {
          events.push(event(stack, at + 5 * MIN + index * 100, 'UPDATE_COMPLETE'));
        }
      });
      events.push(event(root, at + 9 * MIN, failed ? 'UPDATE_ROLLBACK_COMPLETE' : 'UPDATE_COMPLETE', failed ? LONG_REASON : ''));
    }
    events.sort((a, b) => a.time - b.time);
    const { store, tableName } = await freshStore();
    const dog = watchdog(store, { now: formatInstant(START), config: configFromText({ serviceRules: ['platform=^platform-'] }), stacks });

    // Act
    await runInVirtualTime(dog, events, formatInstant(START + 2 * 60 * MIN));

    // Assess
    const items = await rawTable(tableName).scan();
    const sizes = items.map((item) => ({ sk: String(item['SK']).slice(0, 40), bytes: itemSize(item) }));
    const largest = sizes.reduce((max, item) => (item.bytes > max.bytes ? item : max));
    expect(largest.bytes, JSON.stringify(largest)).toBeLessThanOrEqual(MAX_ITEM_BYTES);
    // The heaviest is a failed deployment's window: the names of its 151 stacks, in the window and
    // in what was announced of it (one item per service held every stack's events before: ~390 KB).
    expect(largest.sk).toMatch(/^WINDOW#/);
    expect(largest.bytes).toBeGreaterThan(20_000);
    expect(sizes.filter((item) => item.sk.startsWith('STACK#arn')).every((item) => item.bytes < 16_384)).toBe(true);
    // The service's windows (one per failed deployment) name every nested stack that took part.
    const windows = await store.windowsOverlapping({ from: START, to: START + 2 * 60 * MIN });
    expect(windows.map((window) => window.peakSeverity)).toEqual(['FAILED', 'FAILED']);
    expect(dog.notifier.sent.filter((sent) => sent.severity === 'FAILED').map((sent) => sent.stackName)).toEqual(['platform-prod', 'platform-prod']);
  }, 300_000);
});
