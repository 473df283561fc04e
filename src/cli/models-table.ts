import { readFile, writeFile } from 'node:fs/promises';
import { CATALOG, FAMILIES } from '../catalog/models.js';
import { type ModelSpec, type Route, TAKES } from '../core/catalog.js';
import { cheapestClip, durationsText, modesText } from '../desk/format.js';
import { parseRoute as parseRunwareRoute } from '../providers/runware/route.js';
import { CliError, type CliIo } from './common.js';

/**
 * README's model table, generated from the catalog so it cannot drift from it: `npm run
 * models:table` rewrites the part of README.md between the two markers, and `--check` (as the
 * README test does in CI) says whether it is current.
 */

export const TABLE_START = '<!-- models:start — generated from the catalog by `npm run models:table` -->';
export const TABLE_END = '<!-- models:end -->';

/** How a route reads in the table: its provider's name, and Runware's own model id. */
function routeText(route: Route): string {
  if (route.provider === 'runninghub') return 'RunningHub';
  if (route.provider === 'runware') return `Runware \`${parseRunwareRoute(route).model}\``;
  return route.provider;
}

/** What a person may choose beyond the prompt and length: sound, quality, resolution, seed… */
function optionsText(model: ModelSpec): string {
  const parts = [
    model.sound ? `sound (${model.sound.default ? 'on' : 'off'} by default)` : undefined,
    TAKES.quality(model) ? model.qualities.join('/') : undefined,
    TAKES.resolution(model) ? (model.resolutions?.options.join('/') ?? '') : undefined,
    TAKES.negativePrompt(model) ? 'negative prompt' : undefined,
    TAKES.cfgScale(model) ? 'guidance' : undefined,
    TAKES.seed(model) ? 'seed' : undefined,
    TAKES.multiShot(model) ? 'several shots' : undefined,
    model.referenceVideo ? `reference video (≤ ${model.referenceVideo.maxSeconds} s)` : undefined,
    model.motion ? `driving video (≤ ${model.motion.video.maxSeconds} s)` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(', ') || '—';
}

/** A table cell: a pipe inside would end the cell. */
const cell = (text: string): string => text.replaceAll('|', '\\|');

/** The table, grouped by family in the catalog's order, each family's models in catalog order. */
export function modelTable(
  catalog: readonly ModelSpec[] = CATALOG,
  families: readonly { id: string; label: string }[] = FAMILIES,
): string {
  const rows = [
    '| family | model | modes | lengths | options | credits from | routes (tried in this order) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const known = new Set(families.map((f) => f.id));
  const groups = [...families, { id: '', label: 'Other' }];
  for (const family of groups) {
    const models = catalog.filter((m) => (family.id === '' ? !known.has(m.family) : m.family === family.id));
    for (const m of models) {
      const cells = [
        family.label,
        `\`${m.id}\``,
        modesText(m),
        durationsText(m.durations),
        optionsText(m),
        String(cheapestClip(m)),
        m.routes.map(routeText).join(', '),
      ];
      rows.push(`| ${cells.map(cell).join(' | ')} |`);
    }
  }
  return rows.join('\n');
}

/** README with its model table replaced by `table`; throws when the markers are missing. */
export function withModelTable(readme: string, table: string = modelTable()): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new CliError(`README has no model table markers (${TABLE_START} … ${TABLE_END})`, 1);
  }
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}

/** `reelay models-table [--check] [--readme PATH]`: rewrites README's table, or checks it is current. */
export async function modelsTable(args: readonly string[], io: CliIo): Promise<number> {
  const check = args.includes('--check');
  const at = args.indexOf('--readme');
  const path = at >= 0 ? args[at + 1] : 'README.md';
  if (!path) throw new CliError('--readme needs a path', 2);
  const readme = await readFile(path, 'utf8');
  const next = withModelTable(readme);
  if (next === readme) {
    io.stdout(`${path}: the model table is current`);
    return 0;
  }
  if (check) {
    io.stderr(`${path}: the model table differs from the catalog; run npm run models:table`);
    return 1;
  }
  await writeFile(path, next);
  io.stdout(`${path}: the model table was rewritten from the catalog`);
  return 0;
}
