import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The repo stands alone: a clone from the project's public home has none of the team's reference
 * folders beside it, so nothing the code, the tests or the benchmarks read may live there. The
 * vendor tables the tests check against are copied into `test/fixtures/vendor/`.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.(ts|js|mjs|cjs|json)$/.test(entry.name) ? [path] : [];
  });
}

describe('the repo stands alone', () => {
  it('no file under src/, test/ or bench/ names the sibling shared folder', () => {
    // Assembled so that this file does not name it itself.
    const sibling = ['..', 'shared'].join('/');
    const offenders = ['src', 'test', 'bench']
      .flatMap((dir) => filesUnder(join(ROOT, dir)))
      .filter((path) => readFileSync(path, 'utf8').includes(sibling))
      .map((path) => relative(ROOT, path));
    expect(offenders).toEqual([]);
  });

  it('the vendor table the tests check against is in the repo', () => {
    const table = JSON.parse(
      readFileSync(join(ROOT, 'test/fixtures/vendor/runninghub-video-endpoints.json'), 'utf8'),
    ) as { endpoints: unknown[] };
    expect(table.endpoints.length).toBeGreaterThan(100);
  });
});
