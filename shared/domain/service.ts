import type { StackRef } from './events.ts';
import { UserInputError } from '../errors.ts';

/** `SERVICE=REGEX`: stacks whose name the expression matches (anywhere) belong to SERVICE. */
export interface ServiceRule {
  readonly service: string;
  readonly pattern: RegExp;
}

export class ServiceRuleError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServiceRuleError';
  }
}

/**
 * Parses one `SERVICE=REGEX` rule; the expression is ECMAScript, searched anywhere in the name.
 *
 * @example
 * parseServiceRule('checkout=^checkout-(blue|green)$');
 */
export function parseServiceRule(text: string): ServiceRule {
  const separator = text.indexOf('=');
  const service = text.slice(0, separator).trim();
  const source = text.slice(separator + 1);
  if (separator <= 0 || service === '' || source === '') {
    throw new ServiceRuleError(`service rule '${text}': expected SERVICE=REGEX, e.g. checkout=^checkout-`);
  }
  try {
    return { service, pattern: new RegExp(source) };
  } catch (error) {
    throw new ServiceRuleError(`service rule '${text}': '${source}' is not a valid regular expression`, {
      cause: error,
    });
  }
}

/**
 * Parses rules from the environment form: rules separated by newlines or `;`.
 * A `;` inside an expression must then be written `\x3b`.
 */
export function parseServiceRules(text: string): ServiceRule[] {
  return text
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseServiceRule);
}

/**
 * The service of a stack: the first rule whose expression matches the name, else the name.
 *
 * @example
 * serviceOf('trustsource-scan-v2-prod', [parseServiceRule('core=^trustsource-')]); // 'core'
 */
export function serviceOf(stackName: string, rules: readonly ServiceRule[]): string {
  return rules.find((rule) => rule.pattern.test(stackName))?.service ?? stackName;
}

/** A window and the state of a service belong to (account, region, service). */
export interface ServiceKey {
  readonly account: string;
  readonly region: string;
  readonly service: string;
}

/** The key as one readable text, `<account>#<region>#<service>`, as in the table's keys. */
export function serviceKeyId({ account, region, service }: ServiceKey): string {
  return `${account}#${region}#${service}`;
}

export function serviceKeyOf(stack: StackRef, rules: readonly ServiceRule[]): ServiceKey {
  return { account: stack.account, region: stack.region, service: serviceOf(stack.stackName, rules) };
}
