import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOG, FAMILIES } from '../src/catalog/models.js';
import { modelTable, TABLE_END, TABLE_START, withModelTable } from '../src/cli/models-table.js';
import { runCli } from '../src/cli.js';

/** README's model table is the catalog's: CI fails when someone changes one and not the other. */

const README = new URL('../README.md', import.meta.url);

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {}, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err };
}

describe("README's model table", () => {
  it('is the one generated from the catalog (run `npm run models:table` after a catalog change)', async () => {
    const readme = await readFile(README, 'utf8');
    expect(readme).toContain(TABLE_START);
    expect(withModelTable(readme)).toBe(readme);
  });

  it('has a row for every model of the catalog, grouped by family, with its routes', () => {
    const table = modelTable();
    const rows = table.split('\n').slice(2);
    expect(rows).toHaveLength(CATALOG.length);
    for (const model of CATALOG) expect(table).toContain(`| \`${model.id}\` |`);
    const families = rows.map((r) => r.split(' | ')[0]?.slice(2));
    const order = FAMILIES.map((f) => f.label).filter((label) => families.includes(label));
    expect([...new Set(families)]).toEqual(order);
    expect(table).toContain('| RunningHub, Runware `klingai:6@1` |');
  });
});

describe('reelay models-table', () => {
  it('--check fails on a stale table and names the fix; without it, rewrites only the marked part', async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelay-readme-'));
    const path = join(dir, 'README.md');
    const stale = `# Title\n\nbefore\n${TABLE_START}\n| old | table |\n${TABLE_END}\nafter\n`;
    await writeFile(path, stale);

    const checked = await run(['models-table', '--check', '--readme', path]);
    expect(checked.code).toBe(1);
    expect(checked.err.join('\n')).toContain('run npm run models:table');
    expect(await readFile(path, 'utf8')).toBe(stale);

    expect((await run(['models-table', '--readme', path])).code).toBe(0);
    expect(await readFile(path, 'utf8')).toBe(
      `# Title\n\nbefore\n${TABLE_START}\n${modelTable()}\n${TABLE_END}\nafter\n`,
    );
    expect((await run(['models-table', '--check', '--readme', path])).code).toBe(0);
  });

  it('refuses a README without the markers', async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelay-readme-'));
    const path = join(dir, 'README.md');
    await writeFile(path, '# no table here\n');
    const result = await run(['models-table', '--readme', path]);
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toContain('no model table markers');
  });
});
