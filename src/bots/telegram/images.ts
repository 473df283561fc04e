import type { Message } from 'grammy/types';
import type { ImageRef } from '../../core/request.js';

/** The Bot API's download limit (`getFile`): a bot cannot fetch a larger file at all. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/** An image (or a file the person meant as one) carried by a message, described without downloading it. */
export interface MessageImage {
  messageId: number;
  ref: ImageRef;
  /** How to name it to a person: "the photo", "report.pdf". */
  label: string;
}

/**
 * The image a message carries, if any: the largest size of a photo (Telegram photos are JPEG), or a
 * document, whatever its type — a PDF sent with `/video` deserves "that's a PDF", not silence. The
 * metadata is Telegram's claim; the worker checks the real bytes again.
 */
export function imageOf(message: Message): MessageImage | undefined {
  if (message.photo && message.photo.length > 0) {
    const largest = message.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    const ref: ImageRef = {
      source: { kind: 'telegram', fileId: largest.file_id },
      contentType: 'image/jpeg',
      width: largest.width,
      height: largest.height,
    };
    if (largest.file_size !== undefined) ref.size = largest.file_size;
    return { messageId: message.message_id, ref, label: 'the photo' };
  }
  const doc = message.document;
  if (doc) {
    const ref: ImageRef = { source: { kind: 'telegram', fileId: doc.file_id } };
    if (doc.mime_type) ref.contentType = doc.mime_type;
    if (doc.file_size !== undefined) ref.size = doc.file_size;
    if (doc.file_name) ref.filename = doc.file_name;
    return { messageId: message.message_id, ref, label: doc.file_name ?? 'the file' };
  }
  return undefined;
}

/** The first image over the Bot API's download limit, if any (checked before anything is queued). */
export const overDownloadLimit = (images: readonly MessageImage[]): MessageImage | undefined =>
  images.find((i) => (i.ref.size ?? 0) > TELEGRAM_DOWNLOAD_LIMIT);
