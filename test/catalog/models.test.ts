import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG, FAMILIES } from '../../src/catalog/models.js';
import { candidateRoutes, creditsFor, findModel as findIn, type ModelSpec } from '../../src/core/catalog.js';
import { GENERATION_MODES, QUALITIES } from '../../src/core/request.js';
import { catalogProblems, PROVIDERS } from '../../src/providers/registry.js';
import {
  parseRoute as parseRunningHubRoute,
  type RunningHubEndpoint,
  resolutionWire,
} from '../../src/providers/runninghub/route.js';
import { parseRoute as parseRunwareRoute } from '../../src/providers/runware/route.js';

const findModel = (id: string): ModelSpec | undefined => findIn(id, CATALOG);

/** The vendor's own parameter table for RunningHub's video endpoints (see docs/reference/providers.md). */
interface VendorParam {
  key: string;
  type: string;
  required?: boolean;
  options?: string[];
  min?: number;
  max?: number;
  maxLength?: number;
  maxCount?: number;
  maxSizeMB?: number;
  multiple?: boolean;
}
interface VendorEndpoint {
  endpoint: string;
  params: VendorParam[];
}

const table = JSON.parse(
  readFileSync(new URL('../fixtures/vendor/runninghub-video-endpoints.json', import.meta.url), 'utf8'),
) as { endpoints: VendorEndpoint[] };
const vendor = new Map(table.endpoints.map((e) => [e.endpoint, e]));

const MIB = 1024 * 1024;

/** Every RunningHub endpoint of the catalog, with the model and mode it serves. */
const endpoints = CATALOG.flatMap((model) =>
  model.routes
    .filter((r) => r.provider === 'runninghub')
    .flatMap((route) =>
      Object.entries(parseRunningHubRoute(route).endpoints).map(([mode, endpoint]) => ({
        model,
        mode,
        endpoint: endpoint as RunningHubEndpoint,
      })),
    ),
);
const endpointCases = endpoints.map((c) => [`${c.model.id} ${c.mode} → ${c.endpoint.path}`, c] as const);

describe('catalog: each model is consistent with itself', () => {
  it('puts every model in one of the families, and every family has a model', () => {
    const families = FAMILIES.map((f) => f.id);
    expect(new Set(families).size).toBe(families.length);
    for (const m of CATALOG) expect(families, m.id).toContain(m.family);
    for (const f of families)
      expect(
        CATALOG.some((m) => m.family === f),
        f,
      ).toBe(true);
  });

  it('has unique model ids', () => {
    expect(new Set(CATALOG.map((m) => m.id)).size).toBe(CATALOG.length);
  });

  it.each(CATALOG.map((m) => [m.id, m] as const))('%s: defaults lie in their lists', (_, model) => {
    expect(model.durations).toContain(model.defaultDuration);
    expect(model.aspectRatios).toContain(model.defaultAspectRatio);
    expect(model.qualities).toContain(model.defaultQuality);
    for (const q of model.qualities) expect(QUALITIES).toContain(q);
    for (const m of model.modes) expect(GENERATION_MODES).toContain(m);
    for (const m of model.aspectRatioModes) expect(model.modes).toContain(m);
    expect(model.prompt.minLength).toBeLessThanOrEqual(model.prompt.maxLength);
    if (model.cfgScale) {
      const c = model.cfgScale;
      expect(c.default).toBeGreaterThanOrEqual(c.min);
      expect(c.default).toBeLessThanOrEqual(c.max);
    }
    expect(model.modes.includes('reference')).toBe(model.maxReferenceImages > 0);
  });

  it.each(CATALOG.map((m) => [m.id, m] as const))('%s: every mode has a route', (_, model) => {
    const all = new Set(['runninghub', 'runware'] as const);
    for (const mode of model.modes) {
      expect(candidateRoutes(model, mode, all).length, mode).toBeGreaterThan(0);
    }
    for (const route of model.routes) {
      for (const mode of route.modes) expect(model.modes, `${route.provider} ${mode}`).toContain(mode);
    }
  });

  it.each(CATALOG.map((m) => [m.id, m] as const))(
    '%s: has a price for every duration × quality × resolution × sound',
    (_, model) => {
      for (const duration of model.durations) {
        for (const quality of model.qualities) {
          for (const resolution of model.resolutions?.options ?? [undefined]) {
            for (const sound of model.sound ? [false, true] : [false]) {
              const credits = creditsFor(model, duration, quality, sound, resolution);
              expect(Number.isInteger(credits) && credits > 0, `${duration}s ${quality} ${resolution}`).toBe(
                true,
              );
            }
          }
        }
      }
    },
  );

  it('finds a model by its id only', () => {
    expect(findModel('kling-o1')?.label).toBe('Kling O1');
    expect(findModel('kling')).toBeUndefined();
  });

  it('routes kling-2.5 to RunningHub first and Runware second', () => {
    const model = findModel('kling-2.5-turbo-pro')!;
    expect(
      candidateRoutes(model, 'first-frame', new Set(['runninghub', 'runware'])).map((r) => r.provider),
    ).toEqual(['runninghub', 'runware']);
    expect(candidateRoutes(model, 'text', new Set(['runware'])).map((r) => r.provider)).toEqual(['runware']);
    expect(candidateRoutes(findModel('kling-o1')!, 'text', new Set(['runware']))).toEqual([]);
  });

  it('gives every Runware route a size for each aspect ratio of its model, or none where the clip follows the frame', () => {
    for (const model of CATALOG) {
      for (const route of model.routes) {
        if (route.provider !== 'runware') continue;
        const { sizes } = parseRunwareRoute(route);
        if (sizes === undefined) {
          // Without sizes the clip takes the first frame's: the route may serve no mode choosing a ratio.
          expect(
            route.modes.filter((m) => model.aspectRatioModes.includes(m)),
            model.id,
          ).toEqual([]);
          continue;
        }
        for (const ratio of model.aspectRatios) expect(sizes, `${model.id} ${ratio}`).toHaveProperty(ratio);
      }
    }
  });
});

describe('catalog: every route is one its provider takes', () => {
  it('has no problems its providers see', () => {
    expect(catalogProblems(CATALOG)).toEqual([]);
  });

  it('names only registered providers', () => {
    const names = new Set(PROVIDERS.map((p) => p.name));
    for (const model of CATALOG) for (const route of model.routes) expect(names).toContain(route.provider);
  });

  it("is refused when a route's params are not its provider's", () => {
    const [first] = CATALOG;
    const bad = {
      ...first!,
      routes: [{ provider: 'runninghub', modes: ['text' as const], params: { model: 'x' } }],
    };
    const unknown = { ...first!, routes: [{ provider: 'nowhere', modes: ['text' as const], params: {} }] };
    const wrongModes = {
      ...first!,
      routes: [{ ...first!.routes[0]!, modes: ['reference' as const] }],
    };
    expect(catalogProblems([bad]).join('\n')).toMatch(/runninghub.*params/);
    expect(catalogProblems([unknown])).toEqual([
      `${first!.id} route 1 (nowhere): no provider of that name is registered`,
    ]);
    expect(catalogProblems([wrongModes]).join('\n')).toMatch(/differ from the endpoints|does not offer/);
  });

  it('is refused when a model taking several shots has a route that would drop them', () => {
    const runware = findModel('kling-2.5-turbo-pro')!;
    expect(catalogProblems([runware])).toEqual([]);
    expect(catalogProblems([{ ...runware, multiShot: true }])).toEqual(
      runware.routes.map(
        (r, i) =>
          `kling-2.5-turbo-pro route ${i + 1} (${r.provider}): does not send several shots, which the model takes`,
      ),
    );
    const kling3 = findModel('kling-3.0-pro')!;
    expect(catalogProblems([kling3])).toEqual([]);
    const route = kling3.routes[0]!;
    const { endpoints } = parseRunningHubRoute(route);
    const { multiShot: _m, ...fields } = endpoints.text!.fields;
    const dropping = {
      ...route,
      params: { endpoints: { ...endpoints, text: { ...endpoints.text!, fields } } },
    };
    expect(catalogProblems([{ ...kling3, routes: [dropping] }])).toEqual([
      'kling-3.0-pro route 1 (runninghub): does not send several shots, which the model takes',
    ]);
  });
});

/** Every body key an endpoint's fields and fixed values name. */
function sentKeys(endpoint: RunningHubEndpoint): string[] {
  const f = endpoint.fields;
  const named = [
    f.prompt,
    f.negativePrompt,
    f.aspectRatio,
    f.quality,
    f.cfgScale,
    f.seed,
    f.references,
    f.referenceVideo,
    f.multiShot?.key,
    f.multiShot?.shotType?.key,
  ];
  const formatted = [f.duration, f.resolution, f.sound, f.firstFrame, f.lastFrame].map((field) =>
    field === undefined ? undefined : typeof field === 'string' ? field : field.key,
  );
  return [...named, ...formatted, ...Object.keys(endpoint.fixed ?? {})].filter(
    (k): k is string => k !== undefined,
  );
}

/**
 * What in one endpoint of a model disagrees with the vendor's table: unknown fields, required fields
 * never sent, values of the model the endpoint would refuse, wire formats that do not match the
 * field's type. Empty when the endpoint takes every request the model validates.
 */
function vendorProblems(model: ModelSpec, mode: string, endpoint: RunningHubEndpoint): string[] {
  const problems: string[] = [];
  const { path, fields: f } = endpoint;
  const entry = vendor.get(path);
  if (!entry) return [`${path}: no such endpoint`];
  const at = (key: string): VendorParam | undefined => entry.params.find((p) => p.key === key);
  const fail = (what: string) => problems.push(`${model.id} ${mode} ${path}: ${what}`);
  const keys = sentKeys(endpoint);
  for (const key of keys) if (!at(key)) fail(`no field ${key}`);
  // A mode without the images a field carries would not send it, but validation guarantees them.
  for (const p of entry.params) if (p.required && !keys.includes(p.key)) fail(`required ${p.key} not sent`);

  const options = (key: string): string[] => at(key)?.options ?? [];
  const within = (key: string, lo: number, hi: number, what: string) => {
    const p = at(key);
    if (p && (lo < (p.min ?? Number.NEGATIVE_INFINITY) || hi > (p.max ?? Number.POSITIVE_INFINITY))) {
      fail(`${what} ${lo}–${hi} outside ${p.min}–${p.max}`);
    }
  };

  // Motion control: the clip is as long as the driving video, with the model's motion limits.
  const motion = mode === 'motion' ? model.motion : undefined;
  if (mode === 'motion' && !motion) fail('motion mode on a model without motion limits');
  if (motion && Boolean(f.negativePrompt) !== Boolean(motion.negativePrompt)) {
    fail('negative prompt field differs from the motion limits');
  }
  // An endpoint without a duration makes clips of one length (the vendor's model page says which).
  if (!f.duration) {
    if (model.durations.length !== 1 && !motion) fail('no duration field');
  } else {
    const p = at(f.duration.key);
    const format = p?.type === 'LIST' ? 'string' : p?.type === 'INT' ? 'integer' : undefined;
    if (f.duration.format !== format) fail(`duration format ${f.duration.format} for a ${p?.type} field`);
    if (p?.type === 'LIST') {
      for (const d of model.durations) if (!p.options?.includes(String(d))) fail(`no ${d} s duration`);
    } else within(f.duration.key, Math.min(...model.durations), Math.max(...model.durations), 'durations');
  }
  if (f.aspectRatio) {
    for (const r of model.aspectRatios) if (!options(f.aspectRatio).includes(r)) fail(`no ratio ${r}`);
  }
  if (f.quality) {
    for (const q of model.qualities) if (!options(f.quality).includes(q)) fail(`no quality ${q}`);
  }
  const maxLength = (key: string | undefined) => (key ? at(key)?.maxLength : undefined);
  if (model.prompt.maxLength > (maxLength(f.prompt) ?? Number.POSITIVE_INFINITY)) fail('prompt too long');
  if (f.negativePrompt && !model.negativePrompt) fail('negative prompt field on a model without one');
  if ((model.negativePrompt?.maxLength ?? 0) > (maxLength(f.negativePrompt) ?? Number.POSITIVE_INFINITY)) {
    fail('negative prompt too long');
  }
  if (f.cfgScale) {
    if (!model.cfgScale) fail('cfg field on a model without one');
    else within(f.cfgScale, model.cfgScale.min, model.cfgScale.max, 'cfg scale');
  }
  if (f.sound) {
    if (!model.sound) fail('sound field on a model without sound');
    const { key, format } = typeof f.sound === 'string' ? { key: f.sound, format: 'boolean' } : f.sound;
    const p = at(key);
    const wire =
      p?.type === 'BOOLEAN'
        ? 'boolean'
        : p?.type === 'LIST' && ['true', 'false'].every((v) => p.options?.includes(v))
          ? 'string'
          : undefined;
    if (format !== wire) fail(`sound format ${format} for a ${p?.type} field`);
  }
  if (f.resolution) {
    const p = at(f.resolution.key);
    if (!model.resolutions) fail('resolution field on a model without resolutions');
    if (p?.type !== 'LIST') fail(`resolution field of type ${p?.type}`);
    for (const r of model.resolutions?.options ?? []) {
      // A size (`1280*720`) is spelt per ratio: the mode must choose one, and every ratio have one.
      const perRatio = typeof f.resolution.values?.[r] === 'object';
      if (perRatio && !(model.aspectRatioModes as readonly string[]).includes(mode)) {
        fail(`sizes for ${r} in a mode that chooses no ratio`);
      }
      for (const ratio of perRatio ? model.aspectRatios : [undefined]) {
        const wire = resolutionWire(f.resolution, r, ratio);
        if (wire === undefined) fail(`no size for ${r} at ${ratio}`);
        else if (!p?.options?.includes(wire)) fail(`no resolution ${wire}`);
      }
    }
  } else if (model.resolutions && model.resolutions.options.length > 1) {
    fail('the model offers resolutions this endpoint does not take');
  }
  if (f.seed) {
    if (at(f.seed)?.type !== 'INT') fail(`seed field of type ${at(f.seed)?.type}`);
    if (!model.seed) fail('seed field on a model without seeds');
    else within(f.seed, model.seed.min, model.seed.max, 'seeds');
  } else if (model.seed) fail('the model takes a seed this endpoint does not');
  if (f.multiShot) {
    if (!model.multiShot) fail('multi-shot field on a model without several shots');
    const { key, shotType } = f.multiShot;
    if (key && at(key)?.type !== 'BOOLEAN') fail(`multi-shot field of type ${at(key)?.type}`);
    if (!key && !shotType) fail('multi-shot field naming no key');
    if (shotType) {
      for (const value of [shotType.on, shotType.off]) {
        if (value !== undefined && !options(shotType.key).includes(value)) fail(`no shot type ${value}`);
      }
    }
  } else if (model.multiShot && mode !== 'motion')
    fail('the model takes several shots this endpoint does not');
  for (const field of [f.firstFrame, f.lastFrame]) {
    if (field === undefined) continue;
    const { key, list } =
      typeof field === 'string'
        ? { key: field, list: false }
        : { key: field.key, list: field.format === 'list' };
    if (at(key) && Boolean(at(key)?.multiple) !== list) fail(`${key} ${list ? 'is not' : 'is'} a list`);
  }
  if (f.references) {
    const p = at(f.references);
    if (!p?.multiple) fail(`${f.references} is not a list`);
    if (model.maxReferenceImages > (p?.maxCount ?? Number.POSITIVE_INFINITY)) fail('too many references');
  }
  for (const field of [f.firstFrame, f.lastFrame, f.references]) {
    const key = field === undefined ? undefined : typeof field === 'string' ? field : field.key;
    const mb = key ? at(key)?.maxSizeMB : undefined;
    const images = motion?.image ?? model.images;
    if (mb !== undefined && images.maxBytes > mb * MIB) fail(`images over ${mb} MB`);
  }
  if (f.referenceVideo) {
    const mb = at(f.referenceVideo)?.maxSizeMB;
    const video = motion?.video ?? model.referenceVideo;
    if (!video) fail('reference video field on a model without one');
    else if (mb !== undefined && video.maxBytes > mb * MIB) fail(`video over ${mb} MB`);
  }
  for (const [key, value] of Object.entries(endpoint.fixed ?? {})) {
    const p = at(key);
    const fits =
      p?.type === 'LIST'
        ? typeof value === 'string' && (p.options ?? []).includes(value)
        : p?.type === 'BOOLEAN'
          ? typeof value === 'boolean'
          : p?.type === 'STRING'
            ? typeof value === 'string'
            : typeof value === 'number';
    if (p && !fits) fail(`fixed ${key} ${JSON.stringify(value)} is not a ${p.type} value it takes`);
  }
  const frames = mode === 'first-frame' || mode === 'first-last' || mode === 'motion';
  if (Boolean(f.firstFrame) !== frames) fail('first frame field does not match the mode');
  if (Boolean(f.lastFrame) !== (mode === 'first-last')) fail('last frame field does not match the mode');
  if (Boolean(f.references) !== (mode === 'reference')) fail('references field does not match the mode');
  return problems;
}

describe('catalog: RunningHub endpoints match the vendor table', () => {
  it('has at least one RunningHub endpoint to check', () => {
    expect(endpoints.length).toBeGreaterThan(0);
  });

  it.each(endpointCases)('%s', (_, { model, mode, endpoint }) => {
    expect(vendorProblems(model, mode, endpoint)).toEqual([]);
  });

  it('meets every wire format in the shipped catalog, so each is checked against the table for real', () => {
    const formats = new Set(
      endpoints.flatMap(({ endpoint: { fields: f } }) => {
        const sizes = Object.values(f.resolution?.values ?? {}).some((v) => typeof v === 'object');
        return [
          f.duration ? `duration ${f.duration.format}` : 'no duration',
          f.sound && `sound ${typeof f.sound === 'string' ? 'boolean' : f.sound.format}`,
          f.resolution && (sizes ? 'resolution as sizes' : 'resolution'),
          f.firstFrame && `image ${typeof f.firstFrame === 'string' ? 'url' : f.firstFrame.format}`,
        ].filter((x): x is string => typeof x === 'string');
      }),
    );
    expect([...formats].sort()).toEqual([
      'duration integer',
      'duration string',
      'image list',
      'image url',
      'no duration',
      'resolution',
      'resolution as sizes',
      'sound boolean',
      'sound string',
    ]);
  });
});

describe('catalog: the vendor check sees each field format', () => {
  const base = findModel('kling-2.5-turbo-pro')!;
  /** Another family's model, on the vendor's own endpoints: resolutions and seeds, no guidance scale. */
  const { cfgScale: _cfg, negativePrompt: _neg, ...plain } = base;
  const model: ModelSpec = {
    ...plain,
    durations: [4, 6, 8],
    defaultDuration: 4,
    aspectRatios: ['16:9', '9:16'],
    resolutions: { options: ['720p', '1080p'], default: '720p' },
    seed: { min: 0, max: 2_147_483_647 },
  };
  const lite: RunningHubEndpoint = {
    path: 'rhart-video-v3.1-lite-official/image-to-video',
    fields: {
      prompt: 'prompt',
      duration: { key: 'duration', format: 'string' },
      aspectRatio: 'aspectRatio',
      resolution: { key: 'resolution' },
      seed: 'seed',
      firstFrame: 'imageUrl',
    },
  };
  const { seed: _seed, ...unseeded } = model;
  const vidu = { ...unseeded, durations: [5], defaultDuration: 5, sound: { default: true } };
  const viduEndpoint: RunningHubEndpoint = {
    path: 'vidu/image-to-video-q3-turbo',
    fields: {
      prompt: 'prompt',
      duration: { key: 'duration', format: 'string' },
      resolution: { key: 'resolution' },
      sound: 'audio',
      firstFrame: 'imageUrl',
    },
  };

  it('takes a resolution, a seed, an `audio` boolean and a single image field that fit', () => {
    expect(vendorProblems(model, 'first-frame', lite)).toEqual([]);
    expect(vendorProblems(vidu, 'first-frame', viduEndpoint)).toEqual([]);
  });

  it('refuses a resolution the endpoint lacks, a seed out of its range, a wrong sound format', () => {
    const wide = {
      ...model,
      resolutions: { options: ['720p', '2k'], default: '720p' },
      seed: { min: -5, max: 10 },
    };
    expect(vendorProblems(wide, 'first-frame', lite)).toEqual([
      'kling-2.5-turbo-pro first-frame rhart-video-v3.1-lite-official/image-to-video: no resolution 2k',
      'kling-2.5-turbo-pro first-frame rhart-video-v3.1-lite-official/image-to-video: seeds -5–10 outside -1–2147483647',
    ]);
    const asString = {
      ...viduEndpoint,
      fields: { ...viduEndpoint.fields, sound: { key: 'audio', format: 'string' as const } },
    };
    expect(vendorProblems(vidu, 'first-frame', asString).join('\n')).toMatch(
      /sound format string for a BOOLEAN field/,
    );
    // A model with a seed on an endpoint without one would drop it silently.
    expect(vendorProblems({ ...vidu, seed: model.seed! }, 'first-frame', viduEndpoint).join('\n')).toMatch(
      /takes a seed this endpoint does not/,
    );
  });

  it('checks the multi-shot switch and its shot types against the table, both ways', () => {
    const kling3 = findModel('kling-3.0-pro')!;
    const text = parseRunningHubRoute(kling3.routes[0]!).endpoints.text!;
    const at = 'kling-3.0-pro text kling-v3.0-pro/text-to-video';
    expect(vendorProblems(kling3, 'text', text)).toEqual([]);
    const spelt = (on: string) => ({
      ...text,
      fields: { ...text.fields, multiShot: { key: 'multiShot', shotType: { key: 'shotType', on } } },
    });
    expect(vendorProblems(kling3, 'text', spelt('multi'))).toEqual([`${at}: no shot type multi`]);
    const { multiShot: _m, ...withoutField } = text.fields;
    expect(vendorProblems(kling3, 'text', { ...text, fields: withoutField })).toEqual([
      `${at}: the model takes several shots this endpoint does not`,
    ]);
    const { multiShot: _s, ...oneShot } = kling3;
    expect(vendorProblems(oneShot, 'text', text)).toEqual([
      `${at}: multi-shot field on a model without several shots`,
    ]);
    const asList = { ...text, fields: { ...text.fields, multiShot: { key: 'shotType' } } };
    expect(vendorProblems(kling3, 'text', asList)).toEqual([`${at}: multi-shot field of type LIST`]);
  });

  it('tells a list image field from a single one, and the strings "true"/"false" from a boolean', () => {
    const kling26 = findModel('kling-2.6-pro')!;
    const text = parseRunningHubRoute(kling26.routes[0]!).endpoints.text!;
    expect(vendorProblems(kling26, 'text', { ...text, fields: { ...text.fields, sound: 'sound' } })).toEqual([
      'kling-2.6-pro text kling-v2.6-pro/text-to-video: sound format boolean for a LIST field',
    ]);
    const listed: RunningHubEndpoint = {
      path: 'rhart-video-v3.1-fast/image-to-video',
      fields: {
        prompt: 'prompt',
        duration: { key: 'duration', format: 'string' },
        resolution: { key: 'resolution' },
        firstFrame: { key: 'imageUrls', format: 'url' },
      },
    };
    expect(vendorProblems(unseeded, 'first-frame', listed).join('\n')).toMatch(/imageUrls is a list/);
    const asList = {
      ...listed,
      fields: { ...listed.fields, firstFrame: { key: 'imageUrls', format: 'list' as const } },
    };
    expect(vendorProblems(unseeded, 'first-frame', asList).join('\n')).not.toMatch(/imageUrls/);
  });

  it('takes sizes spelt per ratio only where the mode chooses a ratio and each ratio has one', () => {
    const wan = findModel('wan-2.6')!;
    const text = parseRunningHubRoute(wan.routes[0]!).endpoints.text!;
    expect(vendorProblems(wan, 'text', text)).toEqual([]);
    const values = { '720p': { '16:9': '1280*720' }, '1080p': { '16:9': '1920*1080', '9:16': '1080*1920' } };
    const missing = { ...text, fields: { ...text.fields, resolution: { key: 'resolution', values } } };
    expect(vendorProblems(wan, 'text', missing)).toEqual([
      'wan-2.6 text alibaba/wan-2.6/text-to-video: no size for 720p at 9:16',
    ]);
    // Where the mode chooses no ratio the clip's shape is unknown: no size can be picked.
    expect(vendorProblems({ ...wan, aspectRatioModes: [] }, 'text', text)).toEqual([
      'wan-2.6 text alibaba/wan-2.6/text-to-video: sizes for 720p in a mode that chooses no ratio',
      'wan-2.6 text alibaba/wan-2.6/text-to-video: sizes for 1080p in a mode that chooses no ratio',
    ]);
  });

  it('takes an endpoint without a duration for a model of one length only, and checks fixed values', () => {
    const pro = findModel('hailuo-2.3-pro')!;
    const text = parseRunningHubRoute(pro.routes[0]!).endpoints.text!;
    expect(vendorProblems(pro, 'text', text)).toEqual([]);
    expect(vendorProblems({ ...pro, durations: [6, 10] }, 'text', text)).toEqual([
      'hailuo-2.3-pro text minimax/hailuo-2.3/t2v-pro: no duration field',
    ]);
    const q3 = findModel('vidu-q3-pro')!;
    const q3Text = parseRunningHubRoute(q3.routes[0]!).endpoints.text!;
    expect(vendorProblems(q3, 'text', { ...q3Text, fixed: { style: 'cartoon' } })).toEqual([
      'vidu-q3-pro text vidu/text-to-video-q3-pro: fixed style "cartoon" is not a LIST value it takes',
    ]);
    expect(vendorProblems(pro, 'text', { ...text, fixed: { enablePromptExpansion: 'true' } })).toEqual([
      'hailuo-2.3-pro text minimax/hailuo-2.3/t2v-pro: fixed enablePromptExpansion "true" is not a BOOLEAN value it takes',
    ]);
  });
});
