import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORIGINAL_SHARED, SHARED_COPIES, VENDORED_SHARED } from './support/shared-files.ts';

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(path.join(root, file)).isFile())
    .sort();
}

describe('test/fixtures/shared', () => {
  for (const folder of SHARED_COPIES) {
    // Outside the project's layout (a clone on its own) there is no original to compare with.
    it.skipIf(!existsSync(path.join(ORIGINAL_SHARED, folder)))(`holds an exact copy of ../shared/${folder}`, () => {
      // Prepare
      const original = path.join(ORIGINAL_SHARED, folder);
      const copy = path.join(VENDORED_SHARED, folder);

      // Act
      const originalFiles = filesUnder(original);

      // Assess
      expect(filesUnder(copy)).toEqual(originalFiles);
      for (const file of originalFiles) {
        expect(readFileSync(path.join(copy, file), 'utf8'), file).toBe(readFileSync(path.join(original, file), 'utf8'));
      }
    });
  }
});
