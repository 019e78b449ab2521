/**
 * The seed incident's "Impact Window Closed", as shipped in events/recovery/ for consumers'
 * `sam local invoke -e`: the tests that see the watchdog produce it compare with this file, so
 * that the sample stays what the watchdog really sends.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WindowEvent } from '../../shared/domain/window-events.ts';
import { REPO_ROOT } from './shared-files.ts';

export function seedWindowClosedDetail(): WindowEvent['detail'] {
  const sample = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'events/recovery/impact-window-closed.json'), 'utf8'),
  ) as { detail: WindowEvent['detail'] };
  return sample.detail;
}
