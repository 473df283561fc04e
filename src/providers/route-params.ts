import type { z } from 'zod';
import type { Route } from '../core/catalog.js';

/**
 * A catalog route's `params` read with its provider's schema: typed, or a readable error naming the
 * provider and the first field that is off. Each provider reads its own routes through this.
 */
export function parseParams<T>(schema: z.ZodType<T>, route: Route, label: string): T {
  const parsed = schema.safeParse(route.params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`not a ${label} route (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`);
}

/** A route's params checked with its provider's schema: the data, or one line per problem. */
export function checkParams<T>(
  schema: z.ZodType<T>,
  route: Route,
): { ok: true; params: T } | { ok: false; problems: string[] } {
  const parsed = schema.safeParse(route.params);
  if (parsed.success) return { ok: true, params: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `params.${i.path.join('.')}: ${i.message}`) };
}
