/**
 * Heads-ups (issue 18, opt-in): one INFO at the first resource event of a known slow step that
 * usually finishes, once per operation, for people only (never on the bus, never a page).
 */
import { describe, expect, it } from 'vitest';
import { messageOf } from '../../shared/adapters/sns-notifier.ts';
import { subjectOf } from '../../shared/adapters/sns-message.ts';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import { freshStore } from '../support/dynamodb.ts';
import { claimsIn, iso, serviceKey } from '../support/states.ts';
import { resourceStatus, stackStatus, watchdog } from '../support/watchdog.ts';

const core = { name: 'core' };
const ENI_WAIT =
  'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.';
const ACM_WAIT =
  'Content of DNS Record is: {Name: _3f1a.api.example.com.,Type: CNAME,Value: _9c2b.xyz.acm-validations.aws.}';

const brief = (n: Notification): string => `${n.severity} at ${new Date(n.at).toISOString().slice(11, 19)}`;

describe('heads-ups', () => {
  it('sends one INFO at the first event of Lambda releasing its network interfaces, and pages as before', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), config: configFromText({ headsUp: true }) });
    await applyEvent(stackStatus(core, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    const waiting = (time: string) =>
      resourceStatus(core, iso(time), 'ScanFunction', 'DELETE_IN_PROGRESS', {
        type: 'AWS::Lambda::Function',
        reason: ENI_WAIT,
      });

    // Act
    dog.clock.set(iso('10:00:22'));
    const first = await applyEvent(waiting('10:00:22'), dog.deps);
    dog.clock.set(iso('10:05'));
    const again = await applyEvent(waiting('10:05'), dog.deps);
    dog.clock.set(iso('10:20'));
    await sweep(dog.deps);

    // Assess
    expect(first).toMatchObject({ kind: 'applied', notifications: [{ severity: 'INFO' }] });
    expect(again).toEqual({ kind: 'recorded' });
    expect(dog.notifier.sent.map(brief)).toEqual(['INFO at 10:00:22', 'WARNING at 10:20:00']);
    expect(dog.escalations.sent.map(brief)).toEqual(['WARNING at 10:20:00']);
    const info = dog.notifier.sent[0] as Notification;
    expect(subjectOf(info)).toBe(
      "[INFO] DELETE of core: Lambda releasing the VPC function's network interfaces (core, eu-west-1)",
    );
    expect(info.diagnosis[0]?.id).toBe('lambda-vpc-eni-cleanup');
    // Programs subscribed to the topic get no Deployment Escalated for it.
    expect(Object.keys(JSON.parse(messageOf(info)) as object).sort()).toEqual(['default', 'email', 'https']);
    const [claim] = await claimsIn(store, serviceKey('core'));
    expect([claim?.severity, claim?.bus]).toEqual(['INFO', undefined]);
  });

  it('sends no heads-up once the operation was escalated (its event delivered late)', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), config: configFromText({ headsUp: true }) });
    await applyEvent(stackStatus(core, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:20'));
    await sweep(dog.deps);
    dog.clock.set(iso('10:45'));

    // Act
    const outcome = await applyEvent(
      resourceStatus(core, iso('10:00:22'), 'ScanFunction', 'DELETE_IN_PROGRESS', { reason: ENI_WAIT }),
      dog.deps,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'recorded' });
    expect(dog.notifier.sent.map(brief)).toEqual(['WARNING at 10:20:00']);
  });

  it('sends the heads-up of a resource event that came before the status event beginning its operation', async () => {
    // Prepare: EventBridge delivered the function's wait before the stack's DELETE_IN_PROGRESS.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00:23'), config: configFromText({ headsUp: true }) });
    const early = await applyEvent(
      resourceStatus(core, iso('10:00:22'), 'ScanFunction', 'DELETE_IN_PROGRESS', { reason: ENI_WAIT }),
      dog.deps,
    );
    dog.clock.set(iso('10:00:30'));

    // Act
    const started = await applyEvent(stackStatus(core, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);

    // Assess
    expect(early).toEqual({ kind: 'recorded' });
    expect(started).toMatchObject({ kind: 'applied', notifications: [{ severity: 'INFO' }] });
    expect(dog.notifier.sent.map(brief)).toEqual(['INFO at 10:00:30']);
  });

  it('names the CNAME ACM waits for', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), config: configFromText({ headsUp: true }) });
    await applyEvent(stackStatus(core, iso('10:00'), 'CREATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:01'));

    // Act
    await applyEvent(
      resourceStatus(core, iso('10:01'), 'ApiCertificate', 'CREATE_IN_PROGRESS', {
        type: 'AWS::CertificateManager::Certificate',
        reason: ACM_WAIT,
      }),
      dog.deps,
    );

    // Assess
    const [info] = dog.notifier.sent;
    expect(info?.diagnosis[0]?.cause).toContain('the CNAME _3f1a.api.example.com must exist');
    expect(info?.diagnosis[0]?.typically).toContain('72 hours');
  });

  it.each([
    ['heads-ups off (the default)', {}],
    ['a muted stack', { headsUp: true, mutes: ['^core$'] }],
  ])('sends nothing with %s', async (_, text) => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), config: configFromText(text) });
    await applyEvent(stackStatus(core, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:00:22'));

    // Act
    const outcome = await applyEvent(
      resourceStatus(core, iso('10:00:22'), 'ScanFunction', 'DELETE_IN_PROGRESS', { reason: ENI_WAIT }),
      dog.deps,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'recorded' });
    expect(dog.notifier.attempts).toEqual([]);
  });

  it('says nothing of an ordinary resource event', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), config: configFromText({ headsUp: true }) });
    await applyEvent(stackStatus(core, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    const outcome = await applyEvent(
      resourceStatus(core, iso('10:01'), 'Queue', 'UPDATE_IN_PROGRESS', { type: 'AWS::SQS::Queue' }),
      dog.deps,
    );

    // Assess
    expect(outcome).toEqual({ kind: 'recorded' });
    expect(dog.notifier.attempts).toEqual([]);
  });
});
