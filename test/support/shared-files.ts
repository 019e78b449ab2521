/**
 * The project's contracts and sample events. They live in `../shared/` beside the repository
 * (the steering repository's, present in CI); `test/fixtures/shared/` holds a copy so that a
 * clone on its own still tests against them, and `shared-files.test.ts` fails when the copy
 * drifts from the original.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ORIGINAL_SHARED = path.resolve(REPO_ROOT, '../shared');
export const VENDORED_SHARED = path.join(REPO_ROOT, 'test/fixtures/shared');
export const SHARED_COPIES = ['contracts', 'events-samples'] as const;

/** A path under `../shared/` when it is there, else under the copy. */
export function sharedPath(...parts: string[]): string {
  const original = path.join(ORIGINAL_SHARED, ...parts);
  return existsSync(original) ? original : path.join(VENDORED_SHARED, ...parts);
}

/** The account id of the real capture (events-samples/README.md), masked by its publisher. */
export const MASKED_ACCOUNT = 'XXXXXXXXXXXX';

/**
 * The text of a sample with the masked account id replaced by a 12-digit one: CloudFormation
 * sends 12 digits, and the parser refuses anything else (docs/security.md).
 */
export function unmaskedSample(text: string, account = '444455556666'): string {
  return text.replaceAll(MASKED_ACCOUNT, account);
}
