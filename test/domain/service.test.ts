import { describe, expect, it } from 'vitest';
import {
  parseServiceRule,
  parseServiceRules,
  ServiceRuleError,
  serviceKeyOf,
  serviceOf,
} from '../../shared/domain/service.ts';

describe('parseServiceRule', () => {
  it('splits SERVICE=REGEX at the first =', () => {
    // Act
    const rule = parseServiceRule('checkout=^checkout-(blue|green)$');

    // Assess
    expect(rule.service).toBe('checkout');
    expect(rule.pattern.source).toBe('^checkout-(blue|green)$');
  });

  it('keeps a = that is part of the expression', () => {
    // Act
    const rule = parseServiceRule('odd=a=b');

    // Assess
    expect(rule.service).toBe('odd');
    expect(rule.pattern.test('xa=by')).toBe(true);
  });

  it.each([
    ['no =', 'checkout'],
    ['no service', '=^checkout-'],
    ['a blank service', '  =^checkout-'],
    ['no expression', 'checkout='],
  ])('rejects a rule with %s (%j), showing the expected form', (_what, text) => {
    // Act
    const attempt = () => parseServiceRule(text);

    // Assess
    expect(attempt).toThrow(ServiceRuleError);
    expect(attempt).toThrow(`service rule '${text}': expected SERVICE=REGEX`);
  });

  it.each(['checkout=(', 'checkout=[a-', 'checkout=a**', 'checkout=(?<x>a'])(
    'rejects the invalid expression in %j, naming it',
    (text) => {
      // Prepare
      const source = text.slice('checkout='.length);

      // Act
      const attempt = () => parseServiceRule(text);

      // Assess
      expect(attempt).toThrow(ServiceRuleError);
      expect(attempt).toThrow(`'${source}' is not a valid regular expression`);
    },
  );
});

describe('parseServiceRules', () => {
  it('reads rules separated by ; or newlines and skips blank ones', () => {
    // Act
    const rules = parseServiceRules('core=^trustsource-core-;\n scan=^trustsource-scan- ;;\n');

    // Assess
    expect(rules.map((rule) => [rule.service, rule.pattern.source])).toEqual([
      ['core', '^trustsource-core-'],
      ['scan', '^trustsource-scan-'],
    ]);
  });

  it('reads nothing from an empty text', () => {
    // Act
    const rules = parseServiceRules('');

    // Assess
    expect(rules).toEqual([]);
  });

  it('fails on the first bad rule', () => {
    // Act
    const attempt = () => parseServiceRules('core=^core-;broken');

    // Assess
    expect(attempt).toThrow("service rule 'broken'");
  });
});

describe('serviceOf', () => {
  it('maps a stack to the service of the first rule that matches', () => {
    // Prepare
    const rules = [parseServiceRule('scans=scan'), parseServiceRule('trustsource=^trustsource-')];

    // Act
    const service = serviceOf('trustsource-scan-v2-prod', rules);

    // Assess
    expect(service).toBe('scans');
  });

  it('lets a later matching rule lose to an earlier one in the other order too', () => {
    // Prepare
    const rules = [parseServiceRule('trustsource=^trustsource-'), parseServiceRule('scans=scan')];

    // Act
    const service = serviceOf('trustsource-scan-v2-prod', rules);

    // Assess
    expect(service).toBe('trustsource');
  });

  it('searches the expression anywhere in the name', () => {
    // Prepare
    const rules = [parseServiceRule('core=scan-v2')];

    // Act
    const service = serviceOf('trustsource-scan-v2-prod', rules);

    // Assess
    expect(service).toBe('core');
  });

  it.each([
    ['scan', 'scans'],
    ['scan-prod', 'scan-prod'],
    ['my-scan', 'my-scan'],
  ])('matches the whole name only with ^…$: %s belongs to %s', (name, expected) => {
    // Prepare
    const rules = [parseServiceRule('scans=^scan$')];

    // Act
    const service = serviceOf(name, rules);

    // Assess
    expect(service).toBe(expected);
  });

  it('falls back to the stack name when no rule matches', () => {
    // Prepare
    const rules = [parseServiceRule('core=^core-'), parseServiceRule('scan=^scan-')];

    // Act
    const service = serviceOf('billing-prod', rules);

    // Assess
    expect(service).toBe('billing-prod');
  });

  it('uses the stack name when there are no rules', () => {
    // Act
    const service = serviceOf('trustsource-core-prod', []);

    // Assess
    expect(service).toBe('trustsource-core-prod');
  });

  it('maps the three stacks of the seed to one service with the README rule', () => {
    // Prepare
    const rules = [parseServiceRule('trustsource-scan=^trustsource-(core|scan)-')];

    // Act
    const services = ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'].map((name) =>
      serviceOf(name, rules),
    );

    // Assess
    expect(services).toEqual(['trustsource-scan', 'trustsource-scan', 'trustsource-scan']);
  });

  it('gives the same answer when asked twice (no regex state kept between calls)', () => {
    // Prepare
    const rules = [parseServiceRule('core=^core-')];

    // Act
    const answers = [serviceOf('core-a', rules), serviceOf('core-a', rules), serviceOf('core-b', rules)];

    // Assess
    expect(answers).toEqual(['core', 'core', 'core']);
  });
});

describe('serviceKeyOf', () => {
  it('takes account and region from the stack and the service from the rules', () => {
    // Prepare
    const stackRef = {
      stackId:
        'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-core-prod/091c23ec-9c34-11eb-9c3e-0a8f4' +
        'e2b71d5',
      stackName: 'trustsource-core-prod',
      account: '123456789012',
      region: 'eu-central-1',
    };

    // Act
    const key = serviceKeyOf(stackRef, [parseServiceRule('trustsource=^trustsource-')]);

    // Assess
    expect(key).toEqual({ account: '123456789012', region: 'eu-central-1', service: 'trustsource' });
  });
});
