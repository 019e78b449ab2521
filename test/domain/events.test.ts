import { describe, expect, it } from 'vitest';
import { parseStackArn } from '../../shared/domain/events.ts';

describe('parseStackArn', () => {
  it('reads region, account and name from a real ARN with its uuid suffix', () => {
    // Prepare
    const arn =
      'arn:aws:cloudformation:eu-west-3:123456789012:stack/cf-event-testing/dca9d690-12fc-11ed-acb4-0e99ce9abea2';

    // Act
    const ref = parseStackArn(arn);

    // Assess
    expect(ref).toEqual({ stackId: arn, stackName: 'cf-event-testing', account: '123456789012', region: 'eu-west-3' });
  });

  it('accepts the documentation form without the uuid suffix', () => {
    // Prepare
    const arn = 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack';

    // Act
    const ref = parseStackArn(arn);

    // Assess
    expect(ref).toEqual({ stackId: arn, stackName: 'teststack', account: '111122223333', region: 'us-west-1' });
  });

  it.each([
    ['aws-cn', 'cn-north-1'],
    ['aws-us-gov', 'us-gov-west-1'],
  ])('accepts the %s partition', (partition, region) => {
    // Prepare
    const arn = `arn:${partition}:cloudformation:${region}:123456789012:stack/api/5b1c7a40-9f0e-11ef-8c2a-0a1b2c3d4e5f`;

    // Act
    const ref = parseStackArn(arn);

    // Assess
    expect(ref?.region).toBe(region);
    expect(ref?.stackName).toBe('api');
  });

  it('keeps the whole ARN as the stack id, so that a re-created stack of the same name is another stack', () => {
    // Prepare
    const first = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/api/11111111-1111-11ef-8c2a-0a1b2c3d4e5f';
    const second = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/api/22222222-2222-11ef-8c2a-0a1b2c3d4e5f';

    // Act
    const [a, b] = [parseStackArn(first), parseStackArn(second)];

    // Assess
    expect(a?.stackName).toBe(b?.stackName);
    expect(a?.stackId).not.toBe(b?.stackId);
  });

  it.each([
    ['a bucket ARN', 'arn:aws:s3:::my-bucket'],
    ['a stack set', 'arn:aws:cloudformation:eu-west-1:123456789012:stackset/api:1234'],
    ['a stack name', 'trustsource-core-prod'],
    ['no name', 'arn:aws:cloudformation:eu-west-1:123456789012:stack/'],
    ['too many parts', 'arn:aws:cloudformation:eu-west-1:123456789012:stack/api/uuid/extra'],
    ['nothing', ''],
  ])('returns null for %s', (_what, text) => {
    // Act
    const ref = parseStackArn(text);

    // Assess
    expect(ref).toBeNull();
  });
});
