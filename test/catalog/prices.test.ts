import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import { loadPrices, PricesFileError, parsePrices, withPrices } from '../../src/catalog/prices.js';
import { creditsFor, findModel } from '../../src/core/catalog.js';
import { validate } from '../../src/core/validate.js';

/** The problems a prices file text has, as the error lists them. */
function problemsOf(text: string): string[] {
  try {
    parsePrices(text, CATALOG, 'prices.json');
  } catch (error) {
    if (error instanceof PricesFileError) return error.problems;
    throw error;
  }
  return [];
}

const model = (id: string) => findModel(id, CATALOG)!;

describe('PRICES_FILE: the operator’s credits over the catalog’s', () => {
  it('takes a flat price, a per-second price and a table, and validation charges them', () => {
    const prices = parsePrices(
      JSON.stringify({
        'kling-o1': 300,
        'kling-3.0-pro': { perSecond: 50, withSound: 70 },
        'kling-2.6-pro': [
          { duration: 5, credits: 100 },
          { duration: 5, sound: true, credits: 150 },
          { duration: 10, credits: 200 },
          { duration: 10, sound: true, credits: 300 },
        ],
      }),
      CATALOG,
      'prices.json',
    );
    const catalog = withPrices(CATALOG, prices);
    const charged = (request: Parameters<typeof validate>[0]) => {
      const result = validate(request, catalog);
      if (!result.ok) throw new Error(JSON.stringify(result.error));
      return result.value.credits;
    };
    expect(charged({ model: 'kling-o1', prompt: 'a fox', quality: 'pro', duration: 10 })).toBe(300);
    expect(charged({ model: 'kling-3.0-pro', prompt: 'a fox', duration: 4 })).toBe(4 * 70);
    expect(charged({ model: 'kling-3.0-pro', prompt: 'a fox', duration: 4, sound: false })).toBe(4 * 50);
    expect(charged({ model: 'kling-2.6-pro', prompt: 'a fox' })).toBe(150);
    expect(charged({ model: 'kling-2.6-pro', prompt: 'a fox', sound: false, duration: 10 })).toBe(200);
    // The others keep the catalog's prices; the shipped catalog is not changed.
    expect(charged({ model: 'kling-2.5-turbo-pro', prompt: 'a fox' })).toBe(175);
    expect(creditsFor(model('kling-o1'), 10, 'pro', false)).toBe(560);
  });

  it('a per-second price without `withSound` charges the same with sound', () => {
    const prices = parsePrices('{"kling-o3-pro": {"perSecond": 10}}', CATALOG, 'p.json');
    expect(creditsFor({ ...model('kling-o3-pro'), price: prices['kling-o3-pro']! }, 5, 'pro', true)).toBe(50);
  });

  it('names an unknown model, a clip left without a price, and a bad value, each on its own', () => {
    expect(problemsOf('{"sora-9": 100}')).toEqual([
      `sora-9: no such model (models: ${CATALOG.map((m) => m.id).join(', ')})`,
    ]);
    // o1 makes std and pro clips of 5 and 10 s: a table for std 5 s only leaves three without a price.
    expect(problemsOf('{"kling-o1": [{"duration": 5, "quality": "std", "credits": 1}]}')).toEqual([
      'kling-o1 pro 5s: no price',
      'kling-o1 std 10s: no price',
      'kling-o1 pro 10s: no price',
    ]);
    expect(problemsOf('{"kling-o1": -5}')[0]).toMatch(/^kling-o1: /);
    expect(problemsOf('{"kling-o1": [{"duration": 5, "credits": 1, "colour": "red"}]}')[0]).toMatch(
      /^kling-o1/,
    );
    expect(problemsOf('{"kling-o1": [{"duration": 5, "quality": "ultra", "credits": 1}]}')[0]).toMatch(
      /^kling-o1/,
    );
    expect(problemsOf('[1, 2]')[0]).toMatch(/^the file: /);
    expect(problemsOf('{"kling-o1": 3')[0]).toMatch(/^not JSON/);
  });

  describe('read from a file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'reelay-prices-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads a good file, and says which file when it is missing or bad', async () => {
      const good = join(dir, 'good.json');
      await writeFile(good, '{"kling-2.1-pro": 500}');
      const prices = await loadPrices(good, CATALOG);
      expect(
        creditsFor({ ...model('kling-2.1-pro'), price: prices['kling-2.1-pro']! }, 10, 'pro', false),
      ).toBe(500);

      const missing = join(dir, 'missing.json');
      await expect(loadPrices(missing, CATALOG)).rejects.toThrow(`PRICES_FILE ${missing}: no such file`);
      const bad = join(dir, 'bad.json');
      await writeFile(bad, '{"kling-o1": "cheap"}');
      await expect(loadPrices(bad, CATALOG)).rejects.toThrow(new RegExp(`^PRICES_FILE ${bad}: kling-o1: `));
    });
  });
});
