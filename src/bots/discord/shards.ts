import type { ClientOptions } from 'discord.js';
import { z } from 'zod';

/**
 * Which gateway shards one bot process runs. `auto`: every shard, as many as Discord recommends
 * (`GET /gateway/bot`). `fixed`: `ids` out of `count` shards in all, so several processes can split
 * the gateway; every process must use the same `count`.
 */
export type DiscordShards = { mode: 'auto' } | { mode: 'fixed'; count: number; ids: number[] };

/** The most shards we accept; Discord's largest bots run a few thousand. */
const MAX_SHARDS = 100_000;

/** An empty variable counts as unset, as in the rest of the configuration. */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const countSchema = z
  .string()
  .regex(/^\s*\d+\s*$/, { message: `expected a whole number of shards from 1 to ${MAX_SHARDS}` })
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_SHARDS, {
    message: `expected a whole number of shards from 1 to ${MAX_SHARDS}`,
  });

const idsSchema = z
  .string()
  .transform((v) =>
    v
      .trim()
      .split(/\s*,\s*/)
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((id) => /^\d+$/.test(id)), {
    message: 'expected a comma list of shard ids, whole numbers from 0 (e.g. 0,1)',
  })
  .transform((list) => list.map(Number));

/**
 * `DISCORD_SHARDS` (`auto` or unset), `DISCORD_SHARD_COUNT` and `DISCORD_SHARD_IDS`, checked
 * together. All unset: undefined, one shard as discord.js does by default. A count alone runs every
 * shard of that count in this process.
 */
export const discordShardsSchema = z
  .object({
    DISCORD_SHARDS: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .transform((v) => v.trim().toLowerCase())
        .refine((v) => v === 'auto', {
          message: 'expected auto (as many shards as Discord recommends), or unset for one shard',
        })
        .optional(),
    ),
    DISCORD_SHARD_COUNT: z.preprocess(unsetIfEmpty, countSchema.optional()),
    DISCORD_SHARD_IDS: z.preprocess(unsetIfEmpty, idsSchema.optional()),
  })
  .superRefine((v, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (v.DISCORD_SHARDS === 'auto' && (v.DISCORD_SHARD_COUNT !== undefined || v.DISCORD_SHARD_IDS)) {
      problem(
        'DISCORD_SHARDS',
        "auto takes Discord's recommended count: leave DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS unset, or drop auto",
      );
      return;
    }
    const ids = v.DISCORD_SHARD_IDS;
    if (!ids) return;
    const count = v.DISCORD_SHARD_COUNT;
    if (count === undefined) {
      problem(
        'DISCORD_SHARD_IDS',
        'needs DISCORD_SHARD_COUNT, the number of shards across every bot process (the same in each)',
      );
      return;
    }
    const outside = ids.find((id) => id >= count);
    if (outside !== undefined) {
      problem(
        'DISCORD_SHARD_IDS',
        `shard ${outside} is out of range: with DISCORD_SHARD_COUNT=${count} ids run from 0 to ${count - 1}`,
      );
    }
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) problem('DISCORD_SHARD_IDS', `shard ${twice} is listed twice`);
  })
  .transform((v): DiscordShards | undefined => {
    if (v.DISCORD_SHARDS === 'auto') return { mode: 'auto' };
    const count = v.DISCORD_SHARD_COUNT;
    if (count === undefined) return undefined;
    const ids = v.DISCORD_SHARD_IDS ?? Array.from({ length: count }, (_, i) => i);
    return { mode: 'fixed', count, ids: [...ids].sort((a, b) => a - b) };
  });

/**
 * discord.js's client options for `shards`: `auto` lets @discordjs/ws ask `GET /gateway/bot` for the
 * count and run all of them; a fixed split names this process's ids and the total, which goes into
 * each IDENTIFY as `shard: [id, count]`. Unset: nothing, discord.js's default of one shard.
 */
export function shardClientOptions(
  shards: DiscordShards | undefined,
): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (!shards) return {};
  if (shards.mode === 'auto') return { shards: 'auto' };
  return { shards: shards.ids, shardCount: shards.count };
}
