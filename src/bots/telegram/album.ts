import type { Message } from 'grammy/types';
import type { Redis } from 'ioredis';
import { TELEGRAM_STORE } from './platform.js';

/** Gathered parts are kept this long at most (a gathering lasts about a second; this bounds a lost one). */
const GATHER_TTL_MS = 10 * 60_000;
/** A Telegram album holds at most 10 items: more parts of one are duplicates or forged, and dropped. */
export const MAX_ALBUM_PARTS = 10;
/** Most albums gathered in this process alone at once (Redis away): past it the oldest is handed over early. */
export const MAX_LOCAL_ALBUMS = 1_000;

/**
 * Takes an album's gathered parts if no part came since the caller looked (`ARGV[1]`, the parts
 * counter it saw): the check and the take are one step, so exactly one replica hands an album over.
 * Returns `{1, part…}` when taken (no parts: another replica took them), `{0, counter}` when a later
 * part came and the window starts again.
 */
const TAKE_IF_QUIET = `
local seq = redis.call('GET', KEYS[2])
if seq and seq ~= ARGV[1] and ARGV[2] ~= '1' then
  return {0, seq}
end
local parts = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
table.insert(parts, 1, 1)
return parts
`;

export interface AlbumCollectorOptions {
  redis: Redis;
  /** The queue prefix: gathering keys live under `<prefix>:tg:gather:…`. */
  prefix: string;
  /** How long an album's messages are awaited after the last one. */
  windowMs: number;
  /** Handles a whole album, its messages in order. */
  onAlbum: (messages: Message[]) => Promise<void>;
  /** A Redis error while gathering (the album is then gathered in this process alone). */
  onError?: (error: unknown) => void;
}

interface Watch {
  /** The parts counter this process last saw for the album. */
  seq: string;
  timer: NodeJS.Timeout;
}

/**
 * Gathers the messages of an album. Telegram sends an album as separate messages sharing a
 * `media_group_id`, usually within a second, with the caption on one of them; behind several
 * webhook replicas they may reach different processes. Each part is appended to a Redis list for
 * its album and bumps the album's parts counter; every process that received a part looks again
 * once the window has passed, and the first to find the counter unchanged since it looked (no part
 * for a whole window, on any replica) takes the list, atomically, and hands the album over, in
 * message order (the check-and-take is one Lua script, so it is the flush lock too). The others find the list taken and do nothing; one that finds a
 * later part waits another window. A process that dies while gathering costs nothing: any other
 * that saw a part still looks. Without Redis, an album is gathered in the process that receives it.
 */
export class AlbumCollector {
  private readonly watches = new Map<string, Watch>();
  /** Albums gathered in this process alone, while Redis could not be written. */
  private readonly local = new Map<string, { messages: Message[]; timer: NodeJS.Timeout }>();
  private readonly running = new Set<Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly o: AlbumCollectorOptions) {}

  private keys(id: string): [parts: string, seq: string] {
    const base = `${this.o.prefix}:${TELEGRAM_STORE}:gather:{${id}}`;
    return [`${base}:parts`, `${base}:seq`];
  }

  /** Adds an album part; resolves once it is shared (or, without Redis, kept here). */
  async add(message: Message): Promise<void> {
    const id = `${message.chat.id}:${message.media_group_id}`;
    if (!this.usable()) {
      this.addLocal(id, message);
      return;
    }
    const [parts, seq] = this.keys(id);
    const task = this.o.redis
      .multi()
      .rpush(parts, JSON.stringify(message))
      .pexpire(parts, GATHER_TTL_MS)
      .incr(seq)
      .pexpire(seq, GATHER_TTL_MS)
      // Room for each part twice (a webhook retry); more are dropped, so a flood cannot grow the list.
      .ltrim(parts, 0, MAX_ALBUM_PARTS * 2 - 1)
      .exec();
    this.pending.add(task);
    try {
      const results = await task;
      const counted = results?.[2];
      if (!counted || counted[0]) throw counted?.[0] ?? new Error('album part not shared');
      this.watch(id, String(counted[1]));
    } catch (error) {
      this.o.onError?.(error);
      this.addLocal(id, message);
    } finally {
      this.pending.delete(task);
    }
  }

  /**
   * Shutdown: takes every album this process is watching at once, and hands over what it gathered
   * alone, then waits for their handling (nothing gathered here is dropped).
   */
  async flush(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    const watched = [...this.watches.entries()];
    this.watches.clear();
    await Promise.allSettled(
      watched.map(([id, watch]) => {
        clearTimeout(watch.timer);
        return this.look(id, watch.seq, true);
      }),
    );
    for (const [id, group] of this.local) {
      clearTimeout(group.timer);
      this.local.delete(id);
      this.hand(group.messages);
    }
    await Promise.allSettled([...this.running]);
  }

  private watch(id: string, seq: string): void {
    const previous = this.watches.get(id);
    // Parts can be counted out of order here: keep the highest count seen.
    if (previous && Number(previous.seq) > Number(seq)) return;
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      if (this.watches.get(id)?.timer !== timer) return;
      this.watches.delete(id);
      void this.look(id, seq, false);
    }, this.o.windowMs);
    this.watches.set(id, { seq, timer });
  }

  /** Takes the album if no part came since `seq` (or at once, `force`), else waits another window. */
  private async look(id: string, seq: string, force: boolean): Promise<void> {
    const [parts, seqKey] = this.keys(id);
    let reply: unknown;
    try {
      reply = await this.o.redis.eval(TAKE_IF_QUIET, 2, parts, seqKey, seq, force ? '1' : '0');
    } catch (error) {
      // Redis is away: look again later (the parts wait there), unless shutting down.
      this.o.onError?.(error);
      if (!this.closed) this.watch(id, seq);
      return;
    }
    const [taken, ...rest] = reply as [number, ...string[]];
    if (taken !== 1) {
      if (!this.closed) this.watch(id, String(rest[0]));
      return;
    }
    if (rest.length === 0) return; // another replica took it
    const byId = new Map<number, Message>();
    for (const json of rest) {
      const message = JSON.parse(json) as Message;
      byId.set(message.message_id, message); // a webhook update delivered twice counts once
    }
    this.hand([...byId.values()].slice(0, MAX_ALBUM_PARTS));
  }

  /** With Redis unreachable, ioredis would queue the command until it is back: gather here instead. */
  private usable(): boolean {
    const status = this.o.redis.status;
    return status !== 'reconnecting' && status !== 'close' && status !== 'end';
  }

  private addLocal(id: string, message: Message): void {
    const group = this.local.get(id);
    if (group && group.messages.length >= MAX_ALBUM_PARTS) return;
    if (!group && this.local.size >= MAX_LOCAL_ALBUMS) this.handOldest();
    if (group) clearTimeout(group.timer);
    const messages = [...(group?.messages ?? []), message];
    const timer = setTimeout(() => {
      this.local.delete(id);
      this.hand(messages);
    }, this.o.windowMs);
    this.local.set(id, { messages, timer });
  }

  /** Hands over the album gathered here the longest, before its window ends, to make room. */
  private handOldest(): void {
    const [id, oldest] = this.local.entries().next().value ?? [];
    if (id === undefined || oldest === undefined) return;
    clearTimeout(oldest.timer);
    this.local.delete(id);
    this.hand(oldest.messages);
  }

  private hand(messages: Message[]): void {
    const task = this.o
      .onAlbum(messages.sort((a, b) => a.message_id - b.message_id))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }
}
