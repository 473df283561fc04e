import type { Message } from 'grammy/types';
import type { Redis } from 'ioredis';
import { MIB } from '../../core/catalog.js';
import type { MediaRef } from '../../core/request.js';
import type { Attachment } from '../../desk/request.js';
import { TELEGRAM, TELEGRAM_STORE } from './platform.js';

/** The Bot API's download limit (`getFile`): a bot cannot fetch a larger file at all. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * MIB;

/** Album parts are remembered this long, so a later reply to an album finds all of its parts. */
const ALBUM_TTL_S = 2 * 24 * 3600;

/** An attachment of one message, with that message's id (to put an album in order). */
export interface MessageMedia {
  messageId: number;
  attachment: Attachment;
}

/** What Telegram says of a file (a side of 0 means "unknown" there). */
interface Claims {
  mime?: string | undefined;
  size?: number | undefined;
  name?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
}

/** An attachment of one kind, as the desk takes it: Telegram's claims, under the bots' download limit. */
function attachment(kind: Attachment['kind'], fileId: string, claims: Claims): Attachment {
  const ref: MediaRef = { source: { kind: TELEGRAM, id: fileId } };
  if (claims.mime) ref.contentType = claims.mime;
  if (claims.size !== undefined) ref.size = claims.size;
  if (claims.name) ref.filename = claims.name;
  if (claims.width && claims.height) {
    ref.width = claims.width;
    ref.height = claims.height;
  }
  return { ref, kind, maxBytes: TELEGRAM_DOWNLOAD_LIMIT };
}

/**
 * The input a message carries, if any: the largest size of a photo (Telegram photos are JPEG), a
 * video (an MP4), or a document — a video file, or else taken as an image whatever its type, so a
 * PDF sent with `/video` is answered "that's a PDF", not ignored. The metadata is Telegram's claim;
 * the worker checks the real bytes again. Attachments carry no slot: the desk places them by order.
 */
export function mediaOf(message: Message): MessageMedia | undefined {
  const of = (a: Attachment): MessageMedia => ({ messageId: message.message_id, attachment: a });
  const { photo, video, document: doc } = message;
  if (photo && photo.length > 0) {
    const largest = photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    const { file_size: size, width, height } = largest;
    return of(attachment('image', largest.file_id, { mime: 'image/jpeg', size, width, height }));
  }
  if (video) {
    const { file_size: size, file_name: name, width, height } = video;
    return of(
      attachment('video', video.file_id, { mime: video.mime_type ?? 'video/mp4', size, name, width, height }),
    );
  }
  if (doc) {
    const kind = doc.mime_type?.startsWith('video/') ? 'video' : 'image';
    return of(
      attachment(kind, doc.file_id, { mime: doc.mime_type, size: doc.file_size, name: doc.file_name }),
    );
  }
  return undefined;
}

/**
 * The parts of albums, kept in Redis as they arrive (`<prefix>:tg:album:<chat>:<group>`), so a
 * command sent later as a reply to one part finds them all, whichever bot replica saw them.
 */
export class AlbumMemory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(chatId: number, group: string): string {
    return `${this.prefix}:${TELEGRAM_STORE}:album:${chatId}:${group}`;
  }

  /** Remembers an album part's input; best effort (without Redis the album is not found later). */
  async remember(message: Message): Promise<void> {
    const media = mediaOf(message);
    if (!media || !message.media_group_id || !this.usable()) return;
    const key = this.key(message.chat.id, message.media_group_id);
    await this.redis
      .multi()
      .rpush(key, JSON.stringify(media))
      .expire(key, ALBUM_TTL_S)
      .exec()
      .catch(() => undefined);
  }

  /**
   * The inputs of a command: its own (or its album's), else those of the message it replies to —
   * every part of that message's album, in order.
   */
  async inputsFor(messages: readonly Message[], command: Message): Promise<Attachment[]> {
    const own = messages.map(mediaOf).filter((m) => m !== undefined);
    if (own.length > 0) return own.map((m) => m.attachment);
    const replied = command.reply_to_message;
    if (!replied) return [];
    const byId = new Map<number, MessageMedia>();
    if (replied.media_group_id && this.usable()) {
      const stored = await this.redis
        .lrange(this.key(command.chat.id, replied.media_group_id), 0, -1)
        .catch(() => [] as string[]);
      for (const item of stored) {
        const media = JSON.parse(item) as MessageMedia;
        byId.set(media.messageId, media);
      }
    }
    const one = mediaOf(replied);
    if (one) byId.set(one.messageId, one);
    return [...byId.values()].sort((a, b) => a.messageId - b.messageId).map((m) => m.attachment);
  }

  /** With Redis unreachable, ioredis would queue the command until it is back: skip it instead. */
  private usable(): boolean {
    const status = this.redis.status;
    return status !== 'reconnecting' && status !== 'close' && status !== 'end';
  }
}
