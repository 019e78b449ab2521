import { describe, expect, it } from 'vitest';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import type { ResourceStatusEvent } from '../../shared/domain/events.ts';
import { muteTagSilences, rootsFromEvents } from '../../shared/domain/stack-facts.ts';
import { resourceEvent, stackArn, type StackSpec } from '../support/events.ts';

const root: StackSpec = { name: 'core', uuid: '00000000-0000-0000-0000-000000000001' };
const child: StackSpec = { name: 'core-Scan-1AB', uuid: '00000000-0000-0000-0000-000000000002' };
const grandchild: StackSpec = { name: 'core-Scan-1AB-Db-2CD', uuid: '00000000-0000-0000-0000-000000000003' };

function nests(
  parent: StackSpec,
  logicalId: string,
  physicalId: string,
  type = 'AWS::CloudFormation::Stack',
): ResourceStatusEvent {
  const event = parseCloudFormationEvent(
    resourceEvent(parent, '2024-03-05T10:00:00Z', logicalId, 'CREATE_IN_PROGRESS', { type, physicalId }),
  );
  if (event.kind !== 'resource-status') throw new Error('expected a resource event');
  return event;
}

describe('muteTagSilences', () => {
  it.each([
    [undefined, false],
    ['true', true],
    ['yes', true],
    ['', true],
    ['sandbox, until 2026-12-31', true],
    ['false', false],
    [' False ', false],
  ])('reads a cfn-watchdog:mute tag of %j as %s', (value, silenced) => {
    expect(muteTagSilences(value)).toBe(silenced);
  });
});

describe('rootsFromEvents', () => {
  it('follows nested stacks up to their root, whatever the order of the events', () => {
    // Prepare
    const events = [nests(child, 'Db', stackArn(grandchild)), nests(root, 'Scan', stackArn(child))];

    // Act
    const roots = rootsFromEvents(events);

    // Assess
    expect(Object.fromEntries(roots)).toEqual({
      [stackArn(child)]: stackArn(root),
      [stackArn(grandchild)]: stackArn(root),
    });
  });

  it.each([
    [
      'a resource of another type whose physical id is a stack ARN',
      nests(root, 'Other', stackArn(child), 'Custom::StackLookup'),
    ],
    ['a nested stack resource not yet named (empty physical id)', nests(root, 'Scan', '')],
    ['a stack naming itself', nests(root, 'Self', stackArn(root))],
  ])('ignores %s', (_case, event) => {
    expect(rootsFromEvents([event]).size).toBe(0);
  });

  it('ends on a forged cycle instead of looping', () => {
    // Act
    const roots = rootsFromEvents([nests(root, 'A', stackArn(child)), nests(child, 'B', stackArn(root))]);

    // Assess
    expect(roots.size).toBe(2);
  });
});
