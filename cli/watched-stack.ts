/**
 * `--stack NAME|ARN` on the read commands: one watched stack. Windows name their stacks by name
 * (a name outlives a stack deleted and created again), so an ARN narrows a window to its
 * account and region and a stack to that very stack.
 */
import { parseStackArn } from '../shared/domain/events.ts';

export interface WatchedStack {
  /** A window of a service in ACCOUNT and REGION that names STACKS. */
  window(account: string, region: string, stacks: readonly string[]): boolean;
  stack(stack: { readonly stackId: string; readonly stackName: string }): boolean;
}

/**
 * What `--stack` lets through; everything without it.
 *
 * @example
 * watchedStack('trustsource-core-prod').window('123456789012', 'eu-central-1', ['trustsource-core-prod']); // true
 */
export function watchedStack(flag: string | undefined): WatchedStack {
  if (flag === undefined) return { window: () => true, stack: () => true };
  const arn = parseStackArn(flag);
  if (arn === null)
    return { window: (_account, _region, stacks) => stacks.includes(flag), stack: (stack) => stack.stackName === flag };
  return {
    window: (account, region, stacks) =>
      account === arn.account && region === arn.region && stacks.includes(arn.stackName),
    stack: (stack) => stack.stackId === arn.stackId,
  };
}
