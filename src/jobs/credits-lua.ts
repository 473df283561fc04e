import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts of the credit ledger (`credits.ts` says what each key is and why every one shares
 * a hash slot). Each script checks, and changes, everything of one step atomically.
 */

interface Script {
  lua: string;
  sha: string;
}

const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

export const RESERVE = script(`
-- KEYS: 1 reservation, 2 member counter, 3 community counter, 4 service used counter, 5 in-flight,
--       6 cooldown, 7 run-time cap, 8 history, 9 ledger
-- ARGV: 1 job id, 2 day, 3 now, 4 credits, 5 member limit, 6 community budget (-1 none),
--       7 env cap (-1 none), 8 max in flight (-1 none), 9 cooldown ms, 10 stale in-flight ms,
--       11 day counter ttl, 12 service counter ttl, 13 reservation ttl, 14 history length,
--       15 ledger max length, 16 user, 17 community, 18 model, 19 prompt
local now = tonumber(ARGV[3])
local credits = tonumber(ARGV[4])
local memberUsed = tonumber(redis.call('GET', KEYS[2]) or '0')
if redis.call('EXISTS', KEYS[1]) == 1 then return {2, memberUsed} end
local limit = tonumber(ARGV[5])
if limit <= 0 or memberUsed + credits > limit then return {-1, memberUsed} end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (now - tonumber(ARGV[10])))
local inflight = redis.call('ZCARD', KEYS[5])
local maxInFlight = tonumber(ARGV[8])
if maxInFlight >= 0 and inflight >= maxInFlight then return {-2, inflight} end
local cooldown = tonumber(ARGV[9])
if cooldown > 0 then
  local last = tonumber(redis.call('GET', KEYS[6]) or '')
  if last and now - last < cooldown then return {-3, last} end
end
local communityUsed = tonumber(redis.call('GET', KEYS[3]) or '0')
local budget = tonumber(ARGV[6])
if budget >= 0 and communityUsed + credits > budget then return {-4, communityUsed} end
local serviceUsed = tonumber(redis.call('GET', KEYS[4]) or '0')
local cap = tonumber(ARGV[7])
local override = redis.call('GET', KEYS[7])
if override == 'off' then cap = -1 elseif override then cap = tonumber(override) or cap end
if cap >= 0 and serviceUsed + credits > cap then return {-5, serviceUsed, cap} end

memberUsed = redis.call('INCRBY', KEYS[2], credits)
redis.call('PEXPIRE', KEYS[2], ARGV[11])
redis.call('INCRBY', KEYS[3], credits)
redis.call('PEXPIRE', KEYS[3], ARGV[11])
redis.call('INCRBY', KEYS[4], credits)
redis.call('PEXPIRE', KEYS[4], ARGV[12])
redis.call('ZADD', KEYS[5], now, ARGV[1])
redis.call('PEXPIRE', KEYS[5], ARGV[10])
if cooldown > 0 then redis.call('SET', KEYS[6], ARGV[3], 'PX', cooldown) end
redis.call('HSET', KEYS[1], 'state', 'reserved', 'day', ARGV[2], 'credits', ARGV[4], 'user', ARGV[16],
  'community', ARGV[17], 'model', ARGV[18], 'prompt', ARGV[19], 'at', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[13])
redis.call('LPUSH', KEYS[8], ARGV[1])
redis.call('LTRIM', KEYS[8], 0, tonumber(ARGV[14]) - 1)
redis.call('PEXPIRE', KEYS[8], ARGV[13])
redis.call('XADD', KEYS[9], 'MAXLEN', '~', ARGV[15], '*', 'op', 'reserve', 'at', ARGV[3], 'user', ARGV[16],
  'community', ARGV[17], 'credits', ARGV[4], 'job', ARGV[1], 'model', ARGV[18])
return {1, memberUsed}
`);

// Commit and refund: the keys depend on the reservation's day, member and community, which the
// caller reads first so that every key is declared (Redis Cluster routes and checks scripts by
// their declared keys). The script checks them again and answers -1 if the reservation changed in
// between. State changes keep the hash (and its TTL), so a repeat finds it and does nothing.
export const COMMIT = script(`
-- KEYS: 1 reservation, 2 in-flight, 3 service committed counter, 4 ledger
-- ARGV: 1 job id, 2 day, 3 user, 4 community, 5 now, 6 outcome, 7 url ('' none),
--       8 expiresAt ('' none), 9 service counter ttl, 10 ledger max length
local r = redis.call('HMGET', KEYS[1], 'state', 'day', 'user', 'community', 'credits', 'model')
if r[1] ~= 'reserved' then return 0 end
if r[2] ~= ARGV[2] or r[3] ~= ARGV[3] or r[4] ~= ARGV[4] then return -1 end
redis.call('HSET', KEYS[1], 'state', 'committed', 'outcome', ARGV[6])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'url', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'expiresAt', ARGV[8]) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('INCRBY', KEYS[3], tonumber(r[5]))
redis.call('PEXPIRE', KEYS[3], ARGV[9])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[10], '*', 'op', 'commit', 'at', ARGV[5], 'user', r[3],
  'community', r[4], 'credits', r[5], 'job', ARGV[1], 'model', r[6], 'what', ARGV[6])
return 1
`);

export const REFUND = script(`
-- KEYS: 1 reservation, 2 member counter, 3 community counter, 4 service used counter,
--       5 in-flight, 6 ledger, 7 the member's reset marker (all of the reservation's day)
-- ARGV: 1 job id, 2 day, 3 user, 4 community, 5 now, 6 outcome, 7 ledger max length
local r = redis.call('HMGET', KEYS[1], 'state', 'day', 'user', 'community', 'credits', 'model', 'at')
if r[1] ~= 'reserved' then return 0 end
if r[2] ~= ARGV[2] or r[3] ~= ARGV[3] or r[4] ~= ARGV[4] then return -1 end
redis.call('HSET', KEYS[1], 'state', 'refunded', 'outcome', ARGV[6])
redis.call('ZREM', KEYS[5], ARGV[1])
local credits = tonumber(r[5])
-- A reset after this reservation already gave the member their day back: their counter no longer
-- holds these credits, so only the community and the service get them back.
local reset = tonumber(redis.call('GET', KEYS[7]) or '')
local first = 2
if reset and tonumber(r[7] or '0') <= reset then first = 3 end
for i = first, 4 do
  -- Never below 0, and an expired counter stays absent (DECRBY would create it negative).
  local v = tonumber(redis.call('GET', KEYS[i]) or '0')
  if v > 0 and credits > 0 then redis.call('DECRBY', KEYS[i], math.min(v, credits)) end
end
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[7], '*', 'op', 'refund', 'at', ARGV[5], 'user', r[3],
  'community', r[4], 'credits', r[5], 'job', ARGV[1], 'model', r[6], 'what', ARGV[6])
return 1
`);

export const RESET_MEMBER = script(`
-- KEYS: 1 member counter of today, 2 ledger, 3 the member's reset marker of today
-- ARGV: 1 now, 2 user, 3 community, 4 by, 5 ledger max length, 6 day counter ttl
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v > 0 then redis.call('SET', KEYS[1], '0', 'KEEPTTL') end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[6])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'op', 'admin', 'at', ARGV[1], 'user', ARGV[2],
  'community', ARGV[3], 'credits', tostring(v), 'what', 'reset', 'by', ARGV[4])
return v
`);

/** EVALSHA, loading the script with EVAL when the server does not have it (restart, failover). */
export async function run(
  redis: Redis,
  s: Script,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(s.lua, keys.length, ...keys, ...args);
  }
}
