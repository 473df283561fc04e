import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docText, MESSAGE_MAX } from '../../src/bots/telegram/render.js';
import { CATALOG, FAMILIES } from '../../src/catalog/models.js';
import type { ModelSpec } from '../../src/core/catalog.js';
import { createCommunityStore, DEFAULT_SETTINGS } from '../../src/desk/community.js';
import { byFamily, fittingModelsDoc, modelAnswer } from '../../src/desk/content.js';
import { createAllowedModels, resolveModel, suggestModels } from '../../src/desk/models.js';
import { keysOf } from '../helpers/redis-keys.js';

/** Short names, suggestions, the allowed list's cache, the grouped list and a community's default model. */

const base = CATALOG.find((m) => m.id === 'kling-o1') as ModelSpec;
const model = (id: string, family: string, extra: Partial<ModelSpec> = {}): ModelSpec => ({
  ...base,
  id,
  family,
  label: id.toUpperCase(),
  aliases: [],
  ...extra,
});

/** A catalog with a family of one, a family with an alias for its own, and one with neither. */
const SMALL: ModelSpec[] = [
  model('veo-3.1-pro', 'veo'),
  model('veo-3.1-fast', 'veo', { aliases: ['veo'] }),
  model('wan-2.6', 'wan'),
  model('kling-3.0-pro', 'kling', { aliases: ['kling3'], modes: ['text', 'first-frame', 'first-last'] }),
  model('kling-3.0-std', 'kling', { modes: ['first-frame'] }),
  model('kling-o3-pro', 'kling', { modes: ['reference'] }),
];

const found = (typed: string, catalog: readonly ModelSpec[] = SMALL) => {
  const match = resolveModel(typed, catalog);
  return match.kind === 'found'
    ? match.model.id
    : match.kind === 'ambiguous'
      ? match.models.map((m) => m.id)
      : undefined;
};

describe('resolveModel: what a typed name stands for', () => {
  it('an id, whatever its case and punctuation', () => {
    expect(found('veo-3.1-pro')).toBe('veo-3.1-pro');
    expect(found(' VEO 3.1 PRO ')).toBe('veo-3.1-pro');
    expect(found('veo31fast')).toBe('veo-3.1-fast');
  });

  it('an alias, a family (its only model, or the one naming the family), a unique prefix', () => {
    expect(found('kling3')).toBe('kling-3.0-pro');
    expect(found('Kling-3')).toBe('kling-3.0-pro');
    expect(found('veo')).toBe('veo-3.1-fast');
    expect(found('wan')).toBe('wan-2.6');
    expect(found('kling-o')).toBe('kling-o3-pro');
  });

  it('several models fitting as well: ambiguous, listing them; nothing fitting: unknown', () => {
    expect(found('kling')).toEqual(['kling-3.0-pro', 'kling-3.0-std', 'kling-o3-pro']);
    expect(found('kling-3.0')).toEqual(['kling-3.0-pro', 'kling-3.0-std']);
    expect(found('sora')).toBeUndefined();
    expect(found('  ')).toBeUndefined();
  });

  it('the shipped short names: veo, kling3, sora', () => {
    expect(found('veo', CATALOG)).toBe('veo-3.1-fast');
    expect(found('kling3', CATALOG)).toBe('kling-3.0-pro');
    expect(found('sora', CATALOG)).toBe('sora-2');
  });
});

describe('suggestModels: what a partly typed name suggests', () => {
  it('best fit first, then catalog order; only the modes asked; at most max', () => {
    const ids = (typed: string, options: Parameters<typeof suggestModels>[2] = { max: 25 }) =>
      suggestModels(typed, SMALL, options).map((m) => m.id);
    expect(ids('')).toEqual(SMALL.map((m) => m.id));
    expect(ids('', { max: 2 })).toEqual(['veo-3.1-pro', 'veo-3.1-fast']);
    // The alias `veo` is an exact name of the fast one: it comes first.
    expect(ids('veo')).toEqual(['veo-3.1-fast', 'veo-3.1-pro']);
    // A prefix of an id before a word inside one.
    expect(ids('pro')).toEqual(['veo-3.1-pro', 'kling-3.0-pro', 'kling-o3-pro']);
    expect(ids('kling', { modes: ['first-last'], max: 25 })).toEqual(['kling-3.0-pro']);
    expect(ids('kling', { modes: ['first-frame'], max: 25 })).toEqual(['kling-3.0-pro', 'kling-3.0-std']);
    expect(ids('zzz')).toEqual([]);
  });
});

describe('createAllowedModels: the allowed list, cached and time-boxed', () => {
  const denying = (denied: string[]) => {
    const calls: string[] = [];
    const store = {
      async settings(community: string) {
        calls.push(community);
        return { ...DEFAULT_SETTINGS, deniedModels: denied };
      },
    };
    return { store, calls };
  };

  it('leaves out denied models, and reads a community again only after the TTL', async () => {
    let now = 0;
    const { store, calls } = denying(['wan-2.6']);
    const allowed = createAllowedModels({ store, catalog: SMALL, ttlMs: 1_000, now: () => now });
    expect((await allowed('discord:1')).map((m) => m.id)).not.toContain('wan-2.6');
    await allowed('discord:1');
    now = 999;
    await allowed('discord:1');
    expect(calls).toEqual(['discord:1']);
    now = 1_000;
    await allowed('discord:1');
    await allowed('discord:2');
    expect(calls).toEqual(['discord:1', 'discord:1', 'discord:2']);
  });

  it('suggests the whole catalog when the store is slow or failing, and keeps no such answer', async () => {
    const slow = { settings: () => new Promise<never>(() => undefined) };
    const quick = createAllowedModels({ store: slow, catalog: SMALL, budgetMs: 20 });
    const started = Date.now();
    expect(await quick('discord:1')).toEqual(SMALL);
    expect(Date.now() - started).toBeLessThan(1_000);
    const failing = { settings: () => Promise.reject(new Error('down')) };
    expect(await createAllowedModels({ store: failing, catalog: SMALL })('discord:1')).toEqual(SMALL);
  });
});

describe('the grouped model list', () => {
  /** A catalog of 32 models in 8 families, the shipped ones first. */
  const big = [
    ...CATALOG,
    ...Array.from({ length: Math.max(0, 32 - CATALOG.length) }, (_, i) =>
      model(`extra-model-${i}`, `extra${i % 3}`),
    ),
  ];

  it('keeps FAMILIES order, then families it does not list', () => {
    const labels = byFamily(big).map((f) => f.label);
    const shipped = FAMILIES.map((f) => f.label).filter((l) => labels.includes(l));
    expect(labels.slice(0, shipped.length)).toEqual(shipped);
    expect(labels.slice(shipped.length)).toEqual(['extra0', 'extra1', 'extra2']);
  });

  it('fits one Telegram message with every id, however many models there are', () => {
    const text = docText(fittingModelsDoc(big, (doc) => docText(doc).length < MESSAGE_MAX));
    expect(text.length).toBeLessThan(MESSAGE_MAX);
    for (const m of big) expect(text).toContain(m.id);
    const huge = Array.from({ length: 120 }, (_, i) => model(`m-${i}`, `f${i % 12}`));
    const names = docText(fittingModelsDoc(huge, (doc) => docText(doc).length < MESSAGE_MAX));
    expect(names.length).toBeLessThan(MESSAGE_MAX);
    expect(names).toContain('f0: m-0, m-12,');
  });

  it('/models <name>: one model, every limit and price; an ambiguous name lists its models', () => {
    const veo = docText(modelAnswer('veo', CATALOG));
    expect(veo).toMatch(/^🎞 Veo 3\.1 Fast\n/);
    expect(veo).toContain('Family: Veo');
    expect(veo).toContain('Images: ');
    expect(veo).toContain('Credits per clip');
    expect(docText(modelAnswer('vidu-q', CATALOG))).toMatch(/^🎞 “vidu-q” could be 2 models/);
  });

  it('/models <name> says which models cut between several shots, with the (shortest) flag that asks', () => {
    expect(docText(modelAnswer('kling-3.0-pro', CATALOG))).toContain(
      'Several shots (--shots): the model cuts between shots it chooses; off by default',
    );
    expect(docText(modelAnswer('kling-2.6-pro', CATALOG))).not.toContain('Several shots');
  });
});

describe('a community’s default model, stored', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `test-${randomUUID()}`;
  const store = createCommunityStore(redis, prefix);

  afterEach(async () => {
    const keys = await keysOf(redis, `${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('is set, changed and cleared, each change saying whether it changed anything', async () => {
    expect((await store.settings('discord:1')).defaultModel).toBeUndefined();
    expect(await store.change('discord:1', { kind: 'default-model', model: 'kling-o1' })).toBe(true);
    expect(await store.change('discord:1', { kind: 'default-model', model: 'kling-o1' })).toBe(false);
    expect((await store.settings('discord:1')).defaultModel).toBe('kling-o1');
    expect((await store.settings('discord:2')).defaultModel).toBeUndefined();
    expect(await store.change('discord:1', { kind: 'default-model', model: undefined })).toBe(true);
    expect(await store.change('discord:1', { kind: 'default-model', model: undefined })).toBe(false);
    expect(await store.settings('discord:1')).toEqual(DEFAULT_SETTINGS);
  });
});
