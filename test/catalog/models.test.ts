import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import { candidateRoutes, creditsFor, findModel as findIn, type ModelSpec } from '../../src/core/catalog.js';
import { GENERATION_MODES, QUALITIES } from '../../src/core/request.js';
import { catalogProblems, PROVIDERS } from '../../src/providers/registry.js';
import {
  parseRoute as parseRunningHubRoute,
  type RunningHubEndpoint,
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

/** The vendor's description of one body field, failing the test if the endpoint lacks it. */
function param(path: string, key: string): VendorParam {
  const found = vendor.get(path)?.params.find((p) => p.key === key);
  if (!found) throw new Error(`${path} has no field ${key}`);
  return found;
}

describe('catalog: each model is consistent with itself', () => {
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
    '%s: has a price for every duration × quality',
    (_, model) => {
      for (const duration of model.durations) {
        for (const quality of model.qualities) {
          for (const sound of model.sound ? [false, true] : [false]) {
            const credits = creditsFor(model, duration, quality, sound);
            expect(Number.isInteger(credits) && credits > 0, `${duration}s ${quality}`).toBe(true);
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

  it('gives every Runware route a size for each aspect ratio of its model', () => {
    for (const model of CATALOG) {
      for (const route of model.routes) {
        if (route.provider !== 'runware') continue;
        for (const ratio of model.aspectRatios)
          expect(parseRunwareRoute(route).sizes, `${model.id} ${ratio}`).toHaveProperty(ratio);
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
});

describe('catalog: RunningHub endpoints match the vendor table', () => {
  it('has at least one RunningHub endpoint to check', () => {
    expect(endpoints.length).toBeGreaterThan(0);
  });

  it.each(endpointCases)('%s exists', (_, { endpoint }) => {
    expect(vendor.has(endpoint.path)).toBe(true);
  });

  it.each(endpointCases)('%s: every field name exists', (_, { endpoint }) => {
    const { duration, ...named } = endpoint.fields;
    const keys = [
      ...Object.values(named).filter((v): v is string => v !== undefined),
      ...(duration ? [duration.key] : []),
      ...Object.keys(endpoint.fixed ?? {}),
    ];
    for (const key of keys) expect(() => param(endpoint.path, key)).not.toThrow();
  });

  it.each(endpointCases)('%s: every required field is sent', (_, { model, mode, endpoint }) => {
    const { duration, ...named } = endpoint.fields;
    const sent = new Set<string>([
      ...Object.values(named).filter((v): v is string => v !== undefined),
      ...(duration ? [duration.key] : []),
      ...Object.keys(endpoint.fixed ?? {}),
    ]);
    // A mode without the images a field carries would not send it, but validation guarantees them.
    const required = vendor.get(endpoint.path)?.params.filter((p) => p.required) ?? [];
    for (const p of required) expect(sent.has(p.key), `${model.id} ${mode} ${p.key}`).toBe(true);
  });

  it.each(endpointCases)("%s: the model's durations fit the endpoint", (_, { model, endpoint }) => {
    const field = endpoint.fields.duration;
    expect(field).toBeDefined();
    if (!field) return;
    const p = param(endpoint.path, field.key);
    if (p.type === 'LIST') {
      expect(field.format).toBe('string');
      for (const d of model.durations) expect(p.options).toContain(String(d));
    } else {
      expect(p.type).toBe('INT');
      expect(field.format).toBe('integer');
      for (const d of model.durations) {
        expect(d).toBeGreaterThanOrEqual(p.min ?? Number.NEGATIVE_INFINITY);
        expect(d).toBeLessThanOrEqual(p.max ?? Number.POSITIVE_INFINITY);
      }
    }
  });

  it.each(endpointCases)("%s: the model's other limits fit the endpoint", (_, { model, endpoint }) => {
    const f = endpoint.fields;
    if (f.aspectRatio) {
      const options = param(endpoint.path, f.aspectRatio).options;
      for (const ratio of model.aspectRatios) expect(options).toContain(ratio);
    }
    if (f.quality) {
      const options = param(endpoint.path, f.quality).options;
      for (const q of model.qualities) expect(options).toContain(q);
    }
    if (f.prompt) {
      const max = param(endpoint.path, f.prompt).maxLength;
      if (max !== undefined) expect(model.prompt.maxLength).toBeLessThanOrEqual(max);
    }
    if (f.negativePrompt) {
      expect(model.negativePrompt).toBeDefined();
      const max = param(endpoint.path, f.negativePrompt).maxLength;
      if (max !== undefined) expect(model.negativePrompt?.maxLength).toBeLessThanOrEqual(max);
    }
    if (f.cfgScale) {
      const p = param(endpoint.path, f.cfgScale);
      expect(model.cfgScale).toBeDefined();
      expect(model.cfgScale?.min).toBeGreaterThanOrEqual(p.min ?? Number.NEGATIVE_INFINITY);
      expect(model.cfgScale?.max).toBeLessThanOrEqual(p.max ?? Number.POSITIVE_INFINITY);
    }
    if (f.references) {
      const p = param(endpoint.path, f.references);
      if (p.maxCount !== undefined) expect(model.maxReferenceImages).toBeLessThanOrEqual(p.maxCount);
    }
    for (const key of [f.firstFrame, f.lastFrame, f.references]) {
      if (!key) continue;
      const mb = param(endpoint.path, key).maxSizeMB;
      if (mb !== undefined) expect(model.images.maxBytes).toBeLessThanOrEqual(mb * MIB);
    }
    if (f.referenceVideo) {
      const mb = param(endpoint.path, f.referenceVideo).maxSizeMB;
      expect(model.referenceVideo).toBeDefined();
      if (mb !== undefined) expect(model.referenceVideo?.maxBytes).toBeLessThanOrEqual(mb * MIB);
    }
    if (f.sound) expect(model.sound).toBeDefined();
  });

  it.each(endpointCases)('%s: the fields match the mode', (_, { mode, endpoint }) => {
    const f = endpoint.fields;
    expect(Boolean(f.firstFrame)).toBe(mode === 'first-frame' || mode === 'first-last');
    expect(Boolean(f.lastFrame)).toBe(mode === 'first-last');
    expect(Boolean(f.references)).toBe(mode === 'reference');
  });
});
