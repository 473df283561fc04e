import type { User } from 'grammy/types';
import type { Redis } from 'ioredis';
import { isDown } from '../../jobs/intake.js';
import { TELEGRAM_STORE } from './platform.js';

/** Names written lately, so a chatty member costs one write, not one a message. */
const RECENT_MAX = 10_000;

/**
 * The @usernames of the people whose messages the bot handled, so an admin can name a member as
 * `@name` (the Bot API cannot look a username up). One Redis hash under the queue prefix,
 * `${prefix}:tg:usernames`: the name in lower case → the user id, shared by every bot replica. A
 * name someone gave up still points at them until its new owner writes to the bot.
 */
export class UsernameMemory {
  private readonly key: string;
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:${TELEGRAM_STORE}:usernames`;
  }

  /**
   * Remembers a person's username, if they have one (bots are left out). Skipped while Redis is
   * known to be down, so a command is never held up by it.
   */
  async remember(user: User | undefined): Promise<void> {
    if (!user?.username || user.is_bot) return;
    const name = user.username.toLowerCase();
    if (this.recent.get(name) === user.id || isDown(this.redis)) return;
    await this.redis.hset(this.key, name, String(user.id));
    if (this.recent.size >= RECENT_MAX) this.recent.clear();
    this.recent.set(name, user.id);
  }

  /** The id behind `@name` (with or without the @, any case), if the bot has seen it. */
  async lookup(name: string): Promise<number | undefined> {
    if (isDown(this.redis)) throw new Error('redis is unreachable');
    const id = await this.redis.hget(this.key, name.replace(/^@/, '').toLowerCase());
    return id === null ? undefined : Number(id);
  }
}
