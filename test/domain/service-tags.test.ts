import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserInputError } from '../../shared/errors.ts';
import { parseServiceRules } from '../../shared/domain/service.ts';
import {
  AllowedServiceTagsError,
  parseAllowedServiceTag,
  parseAllowedServiceTags,
  placedService,
  serviceTagAllowed,
} from '../../shared/domain/service-tags.ts';

const PAYMENTS = '111111111111';
const SANDBOX = '222222222222';
const OTHER = '333333333333';

describe('parseAllowedServiceTags', () => {
  it('is null (every tag honoured) for empty text, as the template parameter left at its default', () => {
    // Act
    const allowed = parseAllowedServiceTags(' ;\n ');

    // Assess
    expect(allowed).toBeNull();
  });

  it('reads ACCOUNT=REGEX entries separated by ";" or newlines, splitting each at its first =', () => {
    // Act
    const allowed = parseAllowedServiceTags(`${PAYMENTS}=payments|ledger;\n*=a=b;`);

    // Assess
    expect(allowed?.entries.map(({ account, source }) => [account, source])).toEqual([
      [PAYMENTS, 'payments|ledger'],
      ['*', 'a=b'],
    ]);
  });

  it.each([
    [
      'no =',
      'payments',
      "allowed service tags entry 'payments': expected ACCOUNT=REGEX with ACCOUNT a 12-digit account id or *",
    ],
    [
      'a short account id',
      '12345=payments',
      "allowed service tags entry '12345=payments': expected ACCOUNT=REGEX with ACCOUNT a 12-digit account id or *",
    ],
    ['a name for an account', 'prod=payments', "allowed service tags entry 'prod=payments': expected ACCOUNT=REGEX"],
    [
      'no expression',
      `${PAYMENTS}=`,
      `allowed service tags entry '${PAYMENTS}=': expected a regular expression after '='`,
    ],
    [
      'an invalid expression',
      `${PAYMENTS}=(pay`,
      `allowed service tags entry '${PAYMENTS}=(pay': '(pay' is not a valid regular expression`,
    ],
  ])('refuses an entry with %s, naming it and what was expected', (_what, text, message) => {
    // Act
    const attempt = () => parseAllowedServiceTags(`*=shared;${text}`);

    // Assess
    expect(attempt).toThrow(AllowedServiceTagsError);
    expect(attempt).toThrow(UserInputError);
    expect(attempt).toThrow(message);
  });

  it('refuses an account listed twice: which entry wins would be a guess', () => {
    // Act
    const attempt = () => parseAllowedServiceTags(`${PAYMENTS}=payments;*=shared;${PAYMENTS}=ledger`);

    // Assess
    expect(attempt).toThrow(`allowed service tags: account ${PAYMENTS} has two entries`);
  });
});

describe('serviceTagAllowed', () => {
  const allowed = parseAllowedServiceTags(`${PAYMENTS}=payments|ledger-.+;*=shared`);

  it.each([
    ['no allow-list', null, OTHER, 'anything', true],
    ['its account matching', allowed, PAYMENTS, 'payments', true],
    ['its account matching, second branch', allowed, PAYMENTS, 'ledger-eu', true],
    ['its account matching a part only (anchored)', allowed, PAYMENTS, 'payments-v2', false],
    ['its account matching a part only, at the end', allowed, PAYMENTS, 'old-payments', false],
    ['its account not matching, though * would', allowed, PAYMENTS, 'shared', false],
    ['an account not listed, by *', allowed, OTHER, 'shared', true],
    ['an account not listed, * not matching', allowed, OTHER, 'payments', false],
    ['no entry and no *', parseAllowedServiceTags(`${PAYMENTS}=payments`), SANDBOX, 'payments', false],
  ])('with %s: %s tags %s -> %s', (_what, list, account, tag, expected) => {
    // Act
    const honoured = serviceTagAllowed(list, account, tag);

    // Assess
    expect(honoured).toBe(expected);
  });

  it('anchors an expression that has its own anchors or alternatives without changing what it means', () => {
    // Act
    const entry = parseAllowedServiceTag(`${PAYMENTS}=^pay$|ledger`);

    // Assess
    expect(['pay', 'ledger'].map((tag) => entry.pattern.test(tag))).toEqual([true, true]);
    expect(['pays', 'my-ledger'].map((tag) => entry.pattern.test(tag))).toEqual([false, false]);
  });
});

describe('placedService', () => {
  const rules = parseServiceRules('checkout=^checkout-');
  const allowed = parseAllowedServiceTags(`${PAYMENTS}=payments`);

  it.each([
    ['an allowed tag', PAYMENTS, 'payments', { service: 'payments', refusedTag: null }],
    [
      'a refused tag, falling back to the name rules',
      SANDBOX,
      'payments',
      { service: 'checkout', refusedTag: 'payments' },
    ],
    ['no tag', SANDBOX, null, { service: 'checkout', refusedTag: null }],
  ])('places a stack with %s', (_what, account, tag, expected) => {
    // Act
    const placement = placedService({ stackName: 'checkout-blue', account }, tag, rules, allowed);

    // Assess
    expect(placement).toEqual(expected);
  });

  it('falls back to the stack name when no rule matches a stack whose tag is refused', () => {
    // Act
    const placement = placedService({ stackName: 'sandbox-api', account: SANDBOX }, 'payments', rules, allowed);

    // Assess
    expect(placement).toEqual({ service: 'sandbox-api', refusedTag: 'payments' });
  });

  it('never lets a refused tag change the service: a stack is placed as if it had no tag', () => {
    const account = fc.constantFrom(PAYMENTS, SANDBOX, OTHER);
    const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
    const entry = fc.tuple(fc.constantFrom(PAYMENTS, SANDBOX, '*'), fc.array(word, { minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 3 }),
        account,
        word,
        fc.option(word, { nil: null }),
        (entries, stackAccount, stackName, tag) => {
          // Prepare: at most one entry per account, each an alternative of words.
          const unique = [...new Map(entries.map(([who, words]) => [who, `${who}=${words.join('|')}`])).values()];
          const list = parseAllowedServiceTags(unique.join(';'));
          const stack = { stackName, account: stackAccount };

          // Act
          const placement = placedService(stack, tag, rules, list);

          // Assess
          if (placement.refusedTag === null) {
            expect(placement.service).toBe(tag ?? placedService(stack, null, rules, list).service);
          } else {
            expect(placement.refusedTag).toBe(tag);
            expect(placement.service).toBe(placedService(stack, null, rules, list).service);
            expect(serviceTagAllowed(list, stackAccount, placement.refusedTag)).toBe(false);
          }
        },
      ),
    );
  });
});
