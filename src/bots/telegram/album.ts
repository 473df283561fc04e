import type { Message } from 'grammy/types';

/**
 * Gathers the messages of an album. Telegram sends an album as separate messages sharing a
 * `media_group_id`, usually within a second, with the caption on one of them. Each message restarts
 * the group's window; when the window passes quietly, the group is handed over, in message order.
 * In-process: behind several webhook replicas an album may be split between them (docs/operations.md).
 */
export class AlbumCollector {
  private readonly groups = new Map<string, { messages: Message[]; timer: NodeJS.Timeout }>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly windowMs: number,
    private readonly onAlbum: (messages: Message[]) => Promise<void>,
  ) {}

  add(message: Message): void {
    const id = `${message.chat.id}:${message.media_group_id}`;
    const group = this.groups.get(id);
    if (group) clearTimeout(group.timer);
    const messages = [...(group?.messages ?? []), message];
    const timer = setTimeout(() => {
      this.groups.delete(id);
      this.hand(messages);
    }, this.windowMs);
    this.groups.set(id, { messages, timer });
  }

  /** Hands over every group at once and waits for their handling (shutdown: nothing gathered is dropped). */
  async flush(): Promise<void> {
    for (const [id, group] of this.groups) {
      clearTimeout(group.timer);
      this.groups.delete(id);
      this.hand(group.messages);
    }
    await Promise.allSettled([...this.running]);
  }

  private hand(messages: Message[]): void {
    const task = this.onAlbum(messages.sort((a, b) => a.message_id - b.message_id)).finally(() =>
      this.running.delete(task),
    );
    this.running.add(task);
  }
}
