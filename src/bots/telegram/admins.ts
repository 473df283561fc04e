import type { Api } from 'grammy';

/** How long Telegram's answer about a member's rights is trusted. */
export const ADMIN_CACHE_MS = 60_000;
/** Past this many remembered answers, the expired ones are dropped. */
const PRUNE_AT = 1_000;
/** Most answers remembered at once: past it the oldest go too, even unexpired (a flood of askers). */
export const MAX_ADMIN_ANSWERS = 10_000;

/**
 * Whether Telegram counts a person as an admin of a group: its creator or an administrator
 * (`getChatMember`). Each answer is kept for a minute, in this process only: another replica asks
 * again, and a demoted admin keeps their rights here for at most that minute. Two questions at once
 * share one call; a failed call is not kept (and counts as no).
 */
export class ChatAdmins {
  private readonly answers = new Map<string, { at: number; admin: Promise<boolean> }>();

  constructor(
    private readonly api: Pick<Api, 'getChatMember'>,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = ADMIN_CACHE_MS,
    private readonly maxAnswers = MAX_ADMIN_ANSWERS,
  ) {}

  isAdmin(chatId: number, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const at = this.now();
    const kept = this.answers.get(key);
    if (kept && at - kept.at < this.ttlMs) return kept.admin;
    this.prune(at);
    const admin = this.api.getChatMember(chatId, userId).then(
      (member) => member.status === 'creator' || member.status === 'administrator',
      () => {
        if (this.answers.get(key)?.admin === admin) this.answers.delete(key);
        return false;
      },
    );
    this.answers.set(key, { at, admin });
    return admin;
  }

  private prune(at: number): void {
    if (this.answers.size < Math.min(PRUNE_AT, this.maxAnswers)) return;
    for (const [key, kept] of this.answers) if (at - kept.at >= this.ttlMs) this.answers.delete(key);
    // Still full: the oldest answers go (a map keeps its keys in the order they were set).
    for (const key of this.answers.keys()) {
      if (this.answers.size < this.maxAnswers) break;
      this.answers.delete(key);
    }
  }
}
