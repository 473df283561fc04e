import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `src/core` is the neutral room: it imports nothing from the rooms around it and names no chat
 * platform and no video provider, so a new platform or provider never edits it.
 */

const CORE = fileURLToPath(new URL('../../src/core/', import.meta.url));
const files = readdirSync(CORE)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(join(CORE, name), 'utf8') }));

describe('src/core is neutral', () => {
  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((f) => [f.name, f] as const))('%s imports only from core and packages', (_, { text }) => {
    const sources = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1] as string);
    const outside = sources.filter((s) => s.startsWith('.') && !s.startsWith('./'));
    expect(outside).toEqual([]);
    for (const room of ['bots', 'jobs', 'providers', 'desk', 'http', 'catalog']) {
      expect(sources.some((s) => s.includes(`/${room}/`))).toBe(false);
    }
  });

  it.each(files.map((f) => [f.name, f] as const))('%s names no platform and no provider', (_, { text }) => {
    expect(text).not.toMatch(/discord|telegram|runninghub|runware/i);
  });
});
