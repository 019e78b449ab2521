/**
 * A page as data (issue 17): `Deployment Escalated`/`Resolved`, checked against the schema written
 * in docs/ (by hand, from the contract: not generated from the code) and the samples in events/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  dedupKeyOf,
  EscalationDetailType,
  escalationEventOf,
  MAX_RESOURCES_IN_EVENT,
  programMessageOf,
} from '../../shared/adapters/escalation-event.ts';
import { messageOf } from '../../shared/adapters/sns-notifier.ts';
import { diagnose } from '../../shared/domain/known-causes.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import { stackArn } from '../support/events.ts';
import { notification } from '../support/notifications.ts';
import { REPO_ROOT } from '../support/shared-files.ts';

const read = (file: string): unknown => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
const validate = new Ajv2020.default({ allErrors: true }).compile(read('docs/escalation-event.schema.json') as object);

/** The event as a program subscriber reads it: what the schema describes. */
const asMessage = (n: Notification): unknown => JSON.parse(programMessageOf(n));

const seedCritical = (): Notification => {
  const base = notification();
  const resources = base.resourcesInProgress;
  const situation = { stackName: base.stackName, region: base.region, stackStatus: base.status, resources };
  return { ...base, diagnosis: diagnose({ ...situation, stackStatusReason: base.statusReason }) };
};
const seedResolved = (): Notification =>
  notification({
    severity: 'RESOLVED',
    at: Date.parse('2021-09-21T19:56:30Z'),
    status: 'DELETE_COMPLETE',
    statusReason: '',
    statusAt: Date.parse('2021-09-21T19:56:30Z'),
    elapsedMs: Date.parse('2021-09-21T19:56:30Z') - Date.parse('2021-09-21T19:09:00Z'),
    resourcesInProgress: [],
  });

describe('escalationEventOf', () => {
  it.each([
    ['WARNING', EscalationDetailType.ESCALATED],
    ['CRITICAL', EscalationDetailType.ESCALATED],
    ['FAILED', EscalationDetailType.ESCALATED],
    ['RESOLVED', EscalationDetailType.RESOLVED],
  ] as const)('makes a %s a %s event, valid against the schema', (severity, detailType) => {
    // Act
    const event = escalationEventOf(notification({ severity }));

    // Assess
    expect([event.source, event.detailType, event.detail.severity]).toEqual(['cfn-watchdog', detailType, severity]);
    expect(validate(asMessage(notification({ severity }))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("says the seed's CRITICAL in the detail's own terms: times in UTC, seconds, the likely cause, the console", () => {
    // Act
    const { detail } = escalationEventOf(seedCritical());

    // Assess
    expect(detail).toMatchObject({
      schemaVersion: '1',
      stackName: 'trustsource-core-prod',
      operation: 'DELETE',
      startedAt: '2021-09-21T19:09:00Z',
      sentAt: '2021-09-21T19:49:00Z',
      elapsedSeconds: 2400,
      resourcesInProgressTotal: 1,
      blockedBy: null,
    });
    expect(detail.resourcesInProgress[0]?.since).toBe('2021-09-21T19:09:22Z');
    expect(detail.likelyCauses.map((cause) => cause.resource)).toEqual(['ScanAnalysisFunction']);
    expect(detail.consoleUrl).toContain(encodeURIComponent(detail.stackId));
  });

  it('gives one operation one dedupKey, on its escalations and its resolution, and another operation another', () => {
    // Prepare
    const otherStack = stackArn({ name: 'trustsource-scan-prod', region: 'eu-central-1' });

    // Act
    const keys = [
      escalationEventOf(notification({ severity: 'WARNING', at: Date.parse('2021-09-21T19:29:00Z') })),
      escalationEventOf(seedCritical()),
      escalationEventOf(notification({ severity: 'CRITICAL', reminder: 2 })),
      escalationEventOf(seedResolved()),
    ].map((event) => event.detail.dedupKey);
    const { stackId, incidentStart, operation } = notification();
    const later = dedupKeyOf({ stackId, incidentStart: Date.parse('2021-09-22T08:00:00Z'), operation });
    const elsewhere = dedupKeyOf({ stackId: otherStack, incidentStart, operation });
    // A create that failed at once and the deletion that began in its second.
    const sameSecond = dedupKeyOf({ stackId, incidentStart, operation: operation === 'DELETE' ? 'CREATE' : 'DELETE' });

    // Assess
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^cfn-watchdog-[0-9a-f]{40}$/);
    expect(new Set([keys[0], later, elsewhere, sameSecond]).size).toBe(4);
  });

  it(`keeps ${MAX_RESOURCES_IN_EVENT} of 500 resources in progress and says how many there were`, () => {
    // Prepare
    const resources = Array.from({ length: 500 }, (_, index) => ({
      ...(notification().resourcesInProgress[0] ?? ({} as never)),
      logicalResourceId: `Function${index}`,
    }));

    // Act
    const message = asMessage(notification({ resourcesInProgress: resources }));

    // Assess
    expect(validate(message), JSON.stringify(validate.errors)).toBe(true);
    const { detail } = message as { detail: { resourcesInProgress: unknown[]; resourcesInProgressTotal: number } };
    expect([detail.resourcesInProgress.length, detail.resourcesInProgressTotal]).toEqual([MAX_RESOURCES_IN_EVENT, 500]);
  });
});

describe('the samples in events/escalations/ and the schema in docs/', () => {
  it.each([
    ['events/escalations/deployment-escalated.json', seedCritical],
    ['events/escalations/deployment-resolved.json', seedResolved],
  ])('%s is valid and is what the code renders for the seed', (file, seed) => {
    // Act
    const sample = read(file) as { source: string; 'detail-type': string; detail: unknown };

    // Assess
    expect(validate(sample), JSON.stringify(validate.errors)).toBe(true);
    const rendered = escalationEventOf(seed());
    expect([sample.source, sample['detail-type'], sample.detail]).toEqual([
      rendered.source,
      rendered.detailType,
      rendered.detail,
    ]);
  });

  it.each([
    ['a resolution that says CRITICAL', { 'detail-type': 'Deployment Resolved' }, { severity: 'CRITICAL' }],
    ['a dedupKey of another form', {}, { dedupKey: 'trustsource-core-prod' }],
    ['a time without its Z', {}, { startedAt: '2021-09-21T19:09:00' }],
    ['a field the schema does not know', {}, { ticket: 'INC-1' }],
  ])('refuses %s', (_, envelope, detail) => {
    // Prepare
    const sample = read('events/escalations/deployment-escalated.json') as { detail: object };

    // Act
    const valid = validate({ ...sample, ...envelope, detail: { ...sample.detail, ...detail } });

    // Assess
    expect(valid).toBe(false);
  });
});

describe("the SNS message's program subscribers", () => {
  it('give a queue and a function the event as JSON, and e-mail the text, HTTPS the Chatbot notification', () => {
    // Act
    const structure = JSON.parse(messageOf(seedCritical())) as Record<string, string>;

    // Assess
    expect(Object.keys(structure).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(structure.sqs).toBe(structure.lambda);
    expect(JSON.parse(structure.sqs ?? '{}')).toEqual(asMessage(seedCritical()));
    expect(structure.default).toBe(structure.email);
  });
});
