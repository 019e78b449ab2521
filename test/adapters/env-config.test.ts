import { describe, expect, it } from 'vitest';
import { ConfigurationError, readRuntimeConfig, readSweeperConfig } from '../../shared/adapters/env-config.ts';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';

const REQUIRED = { WATCHDOG_TABLE_NAME: 'watchdog', WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' };

function failure(env: Record<string, string | undefined>): ConfigurationError {
  try {
    readRuntimeConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('readRuntimeConfig', () => {
  it('takes DESIGN.md defaults when only the required variables are set (empty counts as unset)', () => {
    // Act
    const config = readRuntimeConfig({
      ...REQUIRED,
      WATCHDOG_THRESHOLDS: '',
      WATCHDOG_SERVICE_RULES: ' ',
      WATCHDOG_GRACE: undefined,
    });

    // Assess
    expect(config).toEqual({
      tableName: 'watchdog',
      topicArn: REQUIRED.WATCHDOG_TOPIC_ARN,
      eventBusName: 'default',
      memberAccess: null,
      watchdog: DEFAULT_CONFIG,
    });
  });

  it.each(['recovery', 'org.example/recovery', 'arn:aws:events:eu-central-1:123456789012:event-bus/recovery'])(
    'takes the event bus %s for window events',
    (bus) => {
      // Act
      const config = readRuntimeConfig({ ...REQUIRED, WATCHDOG_EVENT_BUS_NAME: bus });

      // Assess
      expect(config.eventBusName).toBe(bus);
    },
  );

  it('reads thresholds, service rules separated by ";" and the grace', () => {
    // Act
    const config = readRuntimeConfig({
      ...REQUIRED,
      WATCHDOG_THRESHOLDS: 'DELETE=15m/30m,*=20m/40m',
      WATCHDOG_SERVICE_RULES: 'core=^trustsource-(core|scan)-;payments=^pay-',
      WATCHDOG_GRACE: '30m',
    });

    // Assess
    expect(config.watchdog.thresholds.byType.DELETE).toEqual({ warnMs: 15 * 60_000, criticalMs: 30 * 60_000 });
    expect(config.watchdog.serviceRules.map((rule) => [rule.service, rule.pattern.source])).toEqual([
      ['core', '^trustsource-(core|scan)-'],
      ['payments', '^pay-'],
    ]);
    expect(config.watchdog.graceMs).toBe(30 * 60_000);
  });

  it.each([
    ['', null],
    ['30m', 30 * 60_000],
    ['2h', 2 * 60 * 60_000],
  ])('reads WATCHDOG_REPEAT_CRITICAL_EVERY %j as %s', (text, expected) => {
    expect(
      readRuntimeConfig({ ...REQUIRED, WATCHDOG_REPEAT_CRITICAL_EVERY: text }).watchdog.repeatCriticalEveryMs,
    ).toBe(expected);
  });

  it('reads organisation-wide access to member accounts when the read role is named', () => {
    // Act
    const config = readRuntimeConfig({
      ...REQUIRED,
      WATCHDOG_MEMBER_READ_ROLE: 'cfn-watchdog-read',
      WATCHDOG_MEMBER_READ_EXTERNAL_ID: 'org-7f3a',
      WATCHDOG_HOME_ACCOUNT: '123456789012',
      AWS_REGION: 'eu-central-1',
    });

    // Assess
    expect(config.memberAccess).toEqual({
      roleName: 'cfn-watchdog-read',
      externalId: 'org-7f3a',
      homeAccount: '123456789012',
      homeRegion: 'eu-central-1',
    });
  });

  it('reads the mutes separated by ";"', () => {
    // Act
    const config = readRuntimeConfig({ ...REQUIRED, WATCHDOG_MUTE: '^sandbox-;-preview-\\d+$' });

    // Assess
    expect(config.watchdog.mutes.map((mute) => mute.source)).toEqual(['^sandbox-', '-preview-\\d+$']);
  });

  it('reads the service tags allowed per account, separated by ";"', () => {
    // Act
    const config = readRuntimeConfig({ ...REQUIRED, WATCHDOG_ALLOWED_SERVICE_TAGS: '123456789012=payments;*=shared' });

    // Assess
    expect(config.watchdog.allowedServiceTags?.entries.map(({ account, source }) => `${account}=${source}`)).toEqual([
      '123456789012=payments',
      '*=shared',
    ]);
  });

  it.each([
    [
      { ...REQUIRED, WATCHDOG_ALLOWED_SERVICE_TAGS: 'payments' },
      'WATCHDOG_ALLOWED_SERVICE_TAGS',
      "entry 'payments': expected ACCOUNT=REGEX",
    ],
    [
      { WATCHDOG_TOPIC_ARN: REQUIRED.WATCHDOG_TOPIC_ARN },
      'WATCHDOG_TABLE_NAME',
      'WATCHDOG_TABLE_NAME: required, but not set',
    ],
    [{ WATCHDOG_TABLE_NAME: 'watchdog' }, 'WATCHDOG_TOPIC_ARN', 'WATCHDOG_TOPIC_ARN: required, but not set'],
    [{ ...REQUIRED, WATCHDOG_TOPIC_ARN: 'alerts' }, 'WATCHDOG_TOPIC_ARN', "got 'alerts'"],
    [{ ...REQUIRED, WATCHDOG_THRESHOLDS: 'DELETE=20m' }, 'WATCHDOG_THRESHOLDS', "'DELETE=20m'"],
    [
      { ...REQUIRED, WATCHDOG_SERVICE_RULES: 'core=[' },
      'WATCHDOG_SERVICE_RULES',
      "'[' is not a valid regular expression",
    ],
    [{ ...REQUIRED, WATCHDOG_GRACE: 'an hour' }, 'WATCHDOG_GRACE', "got 'an hour'"],
    [{ ...REQUIRED, WATCHDOG_EVENT_BUS_NAME: 'my bus' }, 'WATCHDOG_EVENT_BUS_NAME', "got 'my bus'"],
    [{ ...REQUIRED, WATCHDOG_MUTE: '^sandbox-;(' }, 'WATCHDOG_MUTE', "mute '(' is not a valid regular expression"],
    [{ ...REQUIRED, WATCHDOG_REPEAT_CRITICAL_EVERY: 'hourly' }, 'WATCHDOG_REPEAT_CRITICAL_EVERY', "got 'hourly'"],
    [{ ...REQUIRED, WATCHDOG_HEADS_UP: 'yes' }, 'WATCHDOG_HEADS_UP', "expected true or false, got 'yes'"],
    [{ ...REQUIRED, WATCHDOG_MEMBER_READ_ROLE: 'read role' }, 'WATCHDOG_MEMBER_READ_ROLE', "got 'read role'"],
    [
      { ...REQUIRED, WATCHDOG_MEMBER_READ_ROLE: 'cfn-watchdog-read', AWS_REGION: 'eu-central-1' },
      'WATCHDOG_HOME_ACCOUNT',
      'required, but not set',
    ],
    [
      {
        ...REQUIRED,
        WATCHDOG_MEMBER_READ_ROLE: 'cfn-watchdog-read',
        WATCHDOG_HOME_ACCOUNT: '1234',
        AWS_REGION: 'eu-central-1',
      },
      'WATCHDOG_HOME_ACCOUNT',
      "got '1234'",
    ],
  ])('fails naming %s', (env, variable, text) => {
    // Act
    const error = failure(env);

    // Assess
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).toContain(text);
  });
});

describe('readSweeperConfig', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['true', true],
    ['false', false],
  ])('reads WATCHDOG_ON_TIME_ESCALATION %j as %s (on unless turned off)', (text, expected) => {
    expect(readSweeperConfig({ ...REQUIRED, WATCHDOG_ON_TIME_ESCALATION: text }).onTimeEscalation).toBe(expected);
  });

  it.each(['yes', 'TRUE', '1'])('fails naming WATCHDOG_ON_TIME_ESCALATION for %j', (text) => {
    // Act
    let error: unknown;
    try {
      readSweeperConfig({ ...REQUIRED, WATCHDOG_ON_TIME_ESCALATION: text });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toBe(
      `WATCHDOG_ON_TIME_ESCALATION: expected true or false, got '${text}'`,
    );
  });

  it("reads the functions' own configuration too, failing the same way", () => {
    expect(() => readSweeperConfig({ WATCHDOG_TABLE_NAME: 'watchdog' })).toThrow(
      'WATCHDOG_TOPIC_ARN: required, but not set',
    );
    expect(readSweeperConfig({ ...REQUIRED, WATCHDOG_HEADS_UP: 'true' }).runtime.watchdog.headsUp).toBe(true);
  });
});
