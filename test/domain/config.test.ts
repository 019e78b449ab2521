import { describe, expect, it } from 'vitest';
import { configFromText, DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { ServiceRuleError, serviceOf } from '../../shared/domain/service.ts';
import { AllowedServiceTagsError } from '../../shared/domain/service-tags.ts';
import { thresholdFor, ThresholdSpecError } from '../../shared/domain/thresholds.ts';
import { TimeFormatError } from '../../shared/domain/time.ts';

const MIN = 60_000;

describe('DEFAULT_CONFIG', () => {
  it('has 20m/40m thresholds, a 60 min grace and no service rules', () => {
    // Act
    const config = DEFAULT_CONFIG;

    // Assess
    expect(thresholdFor(config.thresholds, 'DELETE')).toEqual({ warnMs: 20 * MIN, criticalMs: 40 * MIN });
    expect(config.graceMs).toBe(60 * MIN);
    expect(config.serviceRules).toEqual([]);
  });
});

describe('configFromText', () => {
  it('gives the defaults when nothing is set', () => {
    // Act
    const config = configFromText({});

    // Assess
    expect(config.allowedServiceTags).toBeNull();
    expect(config.graceMs).toBe(60 * MIN);
    expect(config.thresholds).toEqual(DEFAULT_CONFIG.thresholds);
    expect(config.serviceRules).toEqual([]);
  });

  it('reads thresholds, rules from the environment form, and the grace', () => {
    // Act
    const config = configFromText({
      thresholds: 'DELETE=15m/30m',
      serviceRules: 'core=^core-;scan=^scan-',
      grace: '30m',
    });

    // Assess
    expect(thresholdFor(config.thresholds, 'DELETE')).toEqual({ warnMs: 15 * MIN, criticalMs: 30 * MIN });
    expect(thresholdFor(config.thresholds, 'UPDATE')).toEqual({ warnMs: 20 * MIN, criticalMs: 40 * MIN });
    expect(['core-api', 'scan-v2', 'billing'].map((name) => serviceOf(name, config.serviceRules))).toEqual([
      'core',
      'scan',
      'billing',
    ]);
    expect(config.graceMs).toBe(30 * MIN);
  });

  it('reads the service tags allowed per account', () => {
    // Act
    const config = configFromText({ allowedServiceTags: '123456789012=payments;*=shared' });

    // Assess
    expect(config.allowedServiceTags?.entries.map((entry) => entry.account)).toEqual(['123456789012', '*']);
  });

  it('reads rules given one by one (repeated CLI flags), keeping their order', () => {
    // Act
    const config = configFromText({ serviceRules: ['first=scan', 'second=^trustsource-'] });

    // Assess
    expect(serviceOf('trustsource-scan-prod', config.serviceRules)).toBe('first');
  });

  it.each([
    ['thresholds', { thresholds: 'DELETE=soon/later' }, ThresholdSpecError, 'soon'],
    ['a service rule', { serviceRules: ['broken'] }, ServiceRuleError, 'broken'],
    ['the grace', { grace: 'an hour' }, TimeFormatError, 'an hour'],
    ['the allowed service tags', { allowedServiceTags: 'prod=payments' }, AllowedServiceTagsError, 'prod=payments'],
  ])('fails on bad %s with an error naming what is wrong', (_what, text, errorType, badPart) => {
    // Act
    const attempt = () => configFromText(text);

    // Assess
    expect(attempt).toThrow(errorType);
    expect(attempt).toThrow(badPart);
  });
});
