import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type {
  BotCommand,
  CallbackQuery,
  Chat,
  ChatMember,
  Document,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  Update,
  User,
  UserFromGetMe,
  Video,
} from 'grammy/types';
import { makePng } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';
import { type FakeHandlerContext, FakeServer, type RecordedRequest, sendJson } from './server.js';

/**
 * A loopback Telegram Bot API, for the bot under test to talk to as if it were api.telegram.org.
 * Configure `TELEGRAM_API_URL=fake.apiUrl` and the token given to `start()`; grammY builds
 * `${apiUrl}/bot<token>/<method>` and `${apiUrl}/file/bot<token>/<file_path>` from them.
 *
 * Requests: `GET|POST /bot<token>/<method>` with a JSON, urlencoded or multipart/form-data body (or
 * query parameters), parsed leniently — grammY's multipart has lowercase part headers without
 * spaces, quoted names and unquoted filenames, and replaces each `InputFile` with `attach://<id>`
 * plus a part named `<id>`; a part named after the parameter itself (`video`, `document`) works
 * too. Method names are case-insensitive, as on Telegram. Files: `GET /file/bot<token>/<file_path>`.
 * Answers are `{ok:true,result[,description]}` or `{ok:false,error_code,description[,parameters]}`
 * with that HTTP status; wording as the real server's (tdlib's) where it is known.
 *
 * Recorded request kinds (`server.requests`, holds, `server.inject` faults): the canonical method
 * name (`sendMessage`…), `file` for downloads, `unauthorized` for a wrong token (401), `not-found`
 * for any other path. Unknown methods answer 404 "Not Found" under their own name.
 *
 * Methods: getMe · getUpdates (long poll: `offset` confirms and drops the updates below it, a
 * negative one keeps the last -offset; `limit` 1–100; `timeout` seconds holds the request until an
 * update arrives or the time passes, then `[]`; `allowed_updates` persists, default all but
 * chat_member/message_reaction*; a second getUpdates ends a held one with 409 "Conflict: terminated
 * by other getUpdates request…"; 409 while a webhook is set) · setWebhook / deleteWebhook /
 * getWebhookInfo (a set webhook gets every update POSTed, one at a time, with
 * `X-Telegram-Bot-Api-Secret-Token`; a non-2xx answer is retried every `webhookRetryMs`; a JSON
 * answer with `method` is executed as a webhook reply; plain http URLs are accepted here, unlike
 * Telegram) · sendMessage · editMessageText · editMessageCaption · editMessageReplyMarkup ·
 * deleteMessage · answerCallbackQuery · sendChatAction · setMyCommands / getMyCommands /
 * deleteMyCommands (per `scope` and `language_code`) · getFile · sendVideo · sendDocument · sendPhoto ·
 * getChatMember · leaveChat.
 *
 * Membership: in a group, a user's status is what `setMember()` made it, else `member` once they
 * sent a message there, else `left`; an id the fake never saw → 400 "user not found". In a private
 * chat its user and the bot are members. `leaveChat` in a private chat → 400 "chat member status
 * can't be changed in private chats"; in a group the bot leaves: a `my_chat_member` update (member →
 * left) is queued, every later call about that chat answers 403 "Forbidden: bot is not a member of
 * the group chat" (or "supergroup chat"), and users' messages there no longer reach the bot (they
 * are stored, not queued) until `addBot()`, which queues a `my_chat_member` update (left → member)
 * from the user who added it.
 *
 * Honest details: `parse_mode` HTML / MarkdownV2 / Markdown is parsed as tdlib parses it (ported:
 * same errors, e.g. 400 "Bad Request: can't parse entities: Unsupported start tag "x" at byte
 * offset 3"), the stored text has the markup removed and `entities` in UTF-16 offsets; texts are
 * trimmed; bot_command, mention, hashtag and url entities are detected in every text and caption.
 * Text 1–4096 characters ("message text is empty" / "message is too long"), captions ≤1024.
 * Unknown chat → 400 "chat not found" (a chat is known once a test made it); `blockBot()` → 403.
 * Inline keyboards are checked (a button needs an action; callback_data 1–64 bytes →
 * "BUTTON_DATA_INVALID"); only inline keyboards are stored on messages. Message ids are per chat,
 * increasing, shared by user and bot messages. `reply_parameters.message_id` (or legacy
 * `reply_to_message_id`) sets `reply_to_message` (without its own reply), unknown →
 * "message to be replied not found" unless `allow_sending_without_reply`. Edits: unknown message →
 * "message to edit not found", another's → "message can't be edited", identical text, entities and
 * markup → "message is not modified: …"; editMessageText without `reply_markup` removes the
 * keyboard. getFile: unknown id → "invalid file_id", over 20 MB → "file is too big". Uploads over
 * 50 MB → 413 "Request Entity Too Large"; an empty one → "file must be non-empty"; no file →
 * "there is no video in the request". sendVideo also takes a known file_id or an http(s) URL (which
 * this fake fetches — real Telegram could not reach a loopback URL). A sent video keeps the uploaded
 * bytes (`file(video.file_id).bytes`); width/height/duration come from the parameters, else from the
 * MP4's own headers. Photos keep the uploaded bytes as the largest size (Telegram would re-encode);
 * thumbnails (smaller photo sizes, video thumbnails) are generated PNGs of the right dimensions.
 *
 * Not emulated: privacy mode in groups (every message is delivered), flood control (use
 * `rateLimit`), albums sent by the bot, inline mode, payments, forum topic management.
 *
 * Driving API (simulated users): `user()`, `privateChat()`, `groupChat()`, `putFile()` (with a
 * claimed `size`, to fake a 40 MB file), `forgetFile()`, `photo()` (3 sizes, smallest first, the last is the bytes
 * given), `document()`, `video()`, `send()` (stores the message, queues a `message` update),
 * `album()` (messages sharing a media_group_id), `press()` (by callback_data or button label; queues
 * a `callback_query`; throws if the message has no such button now), `buttons()` (a message's
 * inline buttons as plain fields), `update()` (any raw update), `blockBot()`, `setMember()` (a
 * user's status in a group: creator, administrator…), `addBot()` (someone adds the bot to a group).
 * Inspecting: `hasLeft()` (the bot left a chat),
 * `message()` (current state, after edits), `messages()`, `calls()` (every call, parsed),
 * `waitForCall()` / `waitForMessage()` / `waitForPoll()` (polling, no fixed sleeps), `file()`
 * (bytes by file_id), `fileUrl()`, `callbackAnswer()`, `commands()`, `webhook`, `pendingUpdates`.
 * Faults: `rateLimit(method, retryAfterSeconds, times)` (429 "Too Many Requests: retry after N"
 * with `parameters.retry_after`), plus FakeServer's `inject`/`hold` by kind. `close()` answers held
 * polls with `[]` at once, then stops the server.
 *
 * Example:
 *   const fake = await FakeTelegram.start({ token: FAKE_TOKEN });   // env TELEGRAM_API_URL=fake.apiUrl
 *   const user = fake.user(); const chat = fake.privateChat(user);
 *   fake.send({ chat, from: user, photo: fake.photo(photoJpeg(), 480, 360), caption: '/video a cat' });
 *   const reply = await fake.waitForMessage(chat.id, (m) => m.text?.includes('Queued') === true);
 *   fake.press(reply, 'cancel:1', user);
 *   const upload = await fake.waitForCall('sendVideo');
 */

const MB = 1024 * 1024;

/** The bot the tests use; its id is the numeric part of `FAKE_TOKEN`. */
export const FAKE_BOT = { id: 7123456789, username: 'ReelayTestBot', first_name: 'Reelay Test' } as const;
/** A well-formed token for `FAKE_BOT`. */
export const FAKE_TOKEN = `${FAKE_BOT.id}:AAF4k3-Re3lay_T3stT0ken-L00pback0nly`;

export interface FakeTelegramOptions {
  /** `<bot id>:<secret>`; the bot's id is taken from it. */
  token: string;
  botUsername?: string;
  botName?: string;
  /** Largest accepted upload (413 above it); Telegram's is 50 MB. */
  uploadLimitBytes?: number;
  /** Largest file `getFile` serves ("file is too big" above it); Telegram's is 20 MB. */
  downloadLimitBytes?: number;
}

/** One multipart file part as received. */
export interface FilePart {
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** One Bot API call as the fake saw it. */
export interface TelegramCall {
  /** Canonical method name, or `file` / `unauthorized` / `not-found`. */
  method: string;
  /**
   * Parameters: a JSON body as sent; query, urlencoded and multipart fields JSON-decoded where
   * they are JSON (objects, arrays, booleans, safe integers) except string-typed ones (`text`,
   * `caption`, `callback_query_id`, `file_id`, `video`…). Downloads: `{ file_path }`.
   */
  params: Record<string, unknown>;
  /** Multipart file parts by part name (grammY: the random `attach://` id). */
  files: Record<string, FilePart>;
  /** The same parts by the parameter they fill (`video`, `document`, `photo`, `thumbnail`). */
  uploads: Record<string, FilePart>;
  /** When the request arrived (ms). */
  at: number;
  /** HTTP status answered by this fake; 0 while unanswered (held, polling, or a FakeServer fault). */
  status: number;
  /** The JSON answered, once answered. */
  response?: unknown;
  /** Set for a call a webhook handler made in its HTTP answer. */
  viaWebhookReply?: true;
}

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  bytes: Buffer;
  /** The size Telegram reports (may be claimed larger than `bytes`). */
  size: number;
  mime?: string;
  fileName?: string;
}

/** An inline button of a message, as plain fields. */
export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

/** What the bot answered to a callback query. */
export interface CallbackAnswer {
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
}

export interface UserMessage {
  chat: Chat;
  from: User;
  text?: string;
  caption?: string;
  /** Explicit entities instead of the detected ones. */
  entities?: MessageEntity[];
  photo?: PhotoSize[];
  document?: Document;
  video?: Video;
  media_group_id?: string;
  /** A message id in the same chat (or the message) this one replies to. */
  replyTo?: number | Message;
  /** Forum topic. */
  threadId?: number;
}

type Json = Record<string, unknown>;

/** A user's status in a chat, as `getChatMember` reports it. */
export type MemberStatus = ChatMember['status'];

interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, Message>;
  /** 403 description when the bot may not post here. */
  forbidden?: string;
  /** Users' statuses set by the test or implied by their messages (groups). */
  members: Map<number, MemberStatus>;
  /** The bot left the chat (`leaveChat`), until `addBot()`. */
  botLeft?: boolean;
}

type CallEntry = TelegramCall;

interface Poll {
  res: ServerResponse;
  entry: CallEntry;
  limit: number;
  timer: NodeJS.Timeout;
}

interface WebhookState {
  url: string;
  secretToken?: string;
  maxConnections: number;
  allowedUpdates?: string[];
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

interface Outcome {
  result: unknown;
  description?: string;
}

type MethodHandler = (params: Json, call: CallEntry) => Outcome | Promise<Outcome>;

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Json | undefined,
  ) {
    super(description);
  }
}

const badRequest = (what: string): ApiError => new ApiError(400, `Bad Request: ${what}`);

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

/** Update types delivered when `allowed_updates` is unset or empty. */
const OPT_IN_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

/** Parameters whose form values stay strings (never JSON-decoded). */
const STRING_FIELDS = new Set([
  'text',
  'caption',
  'callback_query_id',
  'inline_message_id',
  'file_id',
  'secret_token',
  'url',
  'data',
  'action',
  'parse_mode',
  'description',
  'short_description',
  'name',
  'title',
  'emoji',
  'language_code',
  'business_connection_id',
  'message_effect_id',
  'ip_address',
  'video',
  'document',
  'photo',
  'thumbnail',
  'cover',
  'audio',
  'animation',
  'voice',
  'sticker',
  'video_note',
  'certificate',
  'query',
]);

const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  pdf: 'application/pdf',
  txt: 'text/plain',
  json: 'application/json',
  zip: 'application/zip',
};

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(value: T): T => structuredClone(value);
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const extOf = (name: string | undefined): string =>
  /\.([A-Za-z0-9]{1,8})$/.exec(name ?? '')?.[1]?.toLowerCase() ?? '';
const codePoints = (s: string): number => [...s].length;

// ---------------------------------------------------------------------------------------------
// Request parsing

function decodeField(name: string, value: string): unknown {
  if (STRING_FIELDS.has(name)) return value;
  const t = value.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (/^-?\d+\.\d+$/.test(t)) return Number(t);
  return value;
}

/** A content-disposition parameter, quoted or bare (a bare filename runs to the next `;`). */
function dispositionParam(value: string, key: string): string | undefined {
  const match = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(value);
  if (!match) return undefined;
  if (match[1] !== undefined) return match[1].replace(/\\(.)/g, '$1');
  return (match[2] ?? '').trim();
}

/** A lenient multipart/form-data parser (any header case, optional spaces, bare or quoted names). */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { fields: [string, string][]; files: Record<string, FilePart> } {
  const fields: [string, string][] = [];
  const files: Record<string, FilePart> = {};
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return { fields, files };
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    let start = pos + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    else if (body[start] === 0x0a) start += 1;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    else if (body[end - 1] === 0x0a) end -= 1;
    const part = body.subarray(start, Math.max(start, end));
    let headerEnd = part.indexOf('\r\n\r\n');
    let gap = 4;
    if (headerEnd < 0) {
      headerEnd = part.indexOf('\n\n');
      gap = 2;
    }
    if (headerEnd >= 0) {
      let name: string | undefined;
      let filename: string | undefined;
      let type: string | undefined;
      for (const line of part.subarray(0, headerEnd).toString('utf8').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (key === 'content-disposition') {
          name = dispositionParam(value, 'name');
          filename = dispositionParam(value, 'filename');
        } else if (key === 'content-type') {
          type = value;
        }
      }
      const data = part.subarray(headerEnd + gap);
      if (name !== undefined) {
        if (filename !== undefined) {
          const file: FilePart = { data: Buffer.from(data), filename };
          if (type) file.contentType = type;
          files[name] = file;
        } else {
          fields.push([name, data.toString('utf8')]);
        }
      }
    }
    pos = next;
  }
  return { fields, files };
}

function parseRequest(recorded: RecordedRequest): { params: Json; files: Record<string, FilePart> } {
  const params: Json = {};
  let files: Record<string, FilePart> = {};
  for (const [k, v] of recorded.query) params[k] = decodeField(k, v);
  if (recorded.body.length === 0) return { params, files };
  const rawType = String(recorded.headers['content-type'] ?? '');
  const type = rawType.toLowerCase();
  const addForm = (text: string): void => {
    for (const [k, v] of new URLSearchParams(text)) params[k] = decodeField(k, v);
  };
  if (type.includes('multipart/form-data')) {
    const parsed = parseMultipart(recorded.body, rawType);
    for (const [k, v] of parsed.fields) params[k] = decodeField(k, v);
    files = parsed.files;
  } else if (type.includes('application/x-www-form-urlencoded')) {
    addForm(recorded.body.toString('utf8'));
  } else {
    let json = recorded.json;
    if (json === undefined) {
      try {
        json = JSON.parse(recorded.body.toString('utf8'));
      } catch {
        if (!type.includes('json')) addForm(recorded.body.toString('utf8'));
      }
    }
    if (isRecord(json)) Object.assign(params, json);
  }
  return { params, files };
}

function uploadsOf(params: Json, files: Record<string, FilePart>): Record<string, FilePart> {
  const uploads: Record<string, FilePart> = {};
  const claimed = new Set<string>();
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string' && value.startsWith('attach://')) {
      const part = files[value.slice('attach://'.length)];
      if (part) {
        uploads[key] = part;
        claimed.add(value.slice('attach://'.length));
      }
    }
  }
  for (const [name, part] of Object.entries(files)) {
    if (!claimed.has(name) && !(name in uploads)) uploads[name] = part;
  }
  return uploads;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
const int = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isInteger(n) ? n : undefined;
};
const bool = (v: unknown): boolean => v === true || v === 'true' || v === 1 || v === '1';
/** An object parameter, sent as an object or as JSON text. */
const obj = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

// ---------------------------------------------------------------------------------------------
// Formatted text, ported from tdlib (td/telegram/MessageEntity.cpp): parse_html,
// parse_markdown_v2, parse_markdown; same errors, byte offsets in UTF-8, entities in UTF-16.

type TdType =
  | 'Bold'
  | 'Italic'
  | 'Underline'
  | 'Strikethrough'
  | 'Spoiler'
  | 'Code'
  | 'Pre'
  | 'PreCode'
  | 'TextUrl'
  | 'CustomEmoji'
  | 'BlockQuote'
  | 'ExpandableBlockQuote'
  | 'MentionName';

interface RawEntity {
  type: TdType;
  offset: number;
  length: number;
  argument?: string;
  userId?: number;
}

class ParseError extends Error {}

const isSpaceByte = (c: number): boolean =>
  c === 32 || c === 9 || c === 10 || c === 13 || c === 0 || c === 11;
const isDigitByte = (c: number): boolean => c >= 48 && c <= 57;
const isAlphaByte = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnumByte = (c: number): boolean => isDigitByte(c) || isAlphaByte(c);
const isHexByte = (c: number): boolean => isDigitByte(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexValue = (c: number): number => (isDigitByte(c) ? c - 48 : (c | 0x20) - 87);
const utf16Width = (c: number): number => ((c & 0xc0) === 0x80 ? 0 : c >= 0xf0 ? 2 : 1);
const byteAt = (b: Buffer, i: number): number => (i < b.length ? b[i]! : 0);

/** `tg://user?id=123` (or `tg:user?id=`) → 123. */
function linkUserId(url: string): number | undefined {
  const match = /^tg:(?:\/\/)?user\/?\?(?:[^#]*&)?id=(\d+)(?:[&#]|$)/i.exec(url.trim());
  const id = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** tdlib's LinkManager::get_checked_link, approximately: a usable URL or ''. */
function checkedLink(raw: string): string {
  const s = raw.trim();
  if (!s || /\s/.test(s)) return '';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s)?.[1]?.toLowerCase();
  if (scheme === 'tg' || scheme === 'ton') return s;
  try {
    if (scheme === 'http' || scheme === 'https' || scheme === 'ftp') return new URL(s).href;
    if (scheme && !/^\d+$/.test(s.slice(scheme.length + 1, scheme.length + 2))) return '';
    const url = new URL(`http://${s}`);
    return /\.[A-Za-z\p{L}]{2,}$/u.test(url.hostname) ? url.href : '';
  } catch {
    return '';
  }
}

function customEmojiId(url: string): string {
  const u = url.trim();
  if (!/^tg:/i.test(u)) throw new ParseError('Custom emoji URL must have scheme tg');
  if (!/^tg:(?:\/\/)?emoji(?:[/?#]|$)/i.test(u))
    throw new ParseError('Custom emoji URL must have host "emoji"');
  const id = /[?&]id=([^&#]*)/.exec(u.replace(/#.*$/, ''))?.[1];
  if (id === undefined) throw new ParseError('Custom emoji URL must have an emoji identifier');
  if (!/^[1-9]\d{0,18}$/.test(id)) throw new ParseError('Invalid custom emoji identifier specified');
  return id;
}

function decodeHtmlEntity(b: Buffer, pos: number): { code: number; next: number } | undefined {
  let end = pos + 1;
  let code = 0;
  if (byteAt(b, pos + 1) === 0x23) {
    end++;
    if (byteAt(b, pos + 2) === 0x78) {
      end++;
      while (isHexByte(byteAt(b, end))) code = code * 16 + hexValue(b[end++]!);
    } else {
      while (isDigitByte(byteAt(b, end))) code = code * 10 + b[end++]! - 48;
    }
    if (code === 0 || code >= 0x10ffff || end - pos >= 10) return undefined;
  } else {
    while (isAlphaByte(byteAt(b, end))) end++;
    const name = b.toString('latin1', pos + 1, end);
    code = name === 'lt' ? 60 : name === 'gt' ? 62 : name === 'amp' ? 38 : name === 'quot' ? 34 : 0;
    if (code === 0) return undefined;
  }
  return { code, next: byteAt(b, end) === 0x3b ? end + 1 : end };
}

function pushCodePoint(out: number[], code: number): void {
  if (code >= 0xd800 && code <= 0xdfff) {
    throw new ParseError(
      'Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units',
    );
  }
  for (const byte of Buffer.from(String.fromCodePoint(code), 'utf8')) out.push(byte);
}

const HTML_TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'span',
  'pre',
  'code',
  'blockquote',
]);

function parseHtml(input: string): { text: string; entities: RawEntity[] } {
  const b = Buffer.from(input, 'utf8');
  const n = b.length;
  const at = (i: number): number => byteAt(b, i);
  const out: number[] = [];
  const entities: RawEntity[] = [];
  const nested: { tag: string; argument: string; offset: number; begin: number; expandable: boolean }[] = [];
  let utf16 = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x26) {
      const decoded = decodeHtmlEntity(b, i);
      if (decoded) {
        i = decoded.next - 1;
        utf16 += decoded.code > 0xffff ? 2 : 1;
        pushCodePoint(out, decoded.code);
        continue;
      }
    }
    if (c !== 0x3c) {
      utf16 += utf16Width(c);
      out.push(c);
      continue;
    }
    const begin = i++;
    if (at(i) !== 0x2f) {
      while (!isSpaceByte(at(i)) && at(i) !== 0x3e) i++;
      if (at(i) === 0) throw new ParseError(`Unclosed start tag at byte offset ${begin}`);
      const tag = b.toString('utf8', begin + 1, i).toLowerCase();
      if (!HTML_TAGS.has(tag)) throw new ParseError(`Unsupported start tag "${tag}" at byte offset ${begin}`);
      let argument = '';
      let expandable = false;
      while (at(i) !== 0x3e) {
        while (at(i) !== 0 && isSpaceByte(at(i))) i++;
        if (at(i) === 0x3e) break;
        const attributeBegin = i;
        while (!isSpaceByte(at(i)) && at(i) !== 0x3d && at(i) !== 0x3e) i++;
        const attribute = b.toString('utf8', attributeBegin, i);
        if (!attribute)
          throw new ParseError(`Empty attribute name in the tag "${tag}" at byte offset ${begin}`);
        while (at(i) !== 0 && isSpaceByte(at(i))) i++;
        if (at(i) !== 0x3d) {
          if (tag === 'blockquote' && attribute.toLowerCase() === 'expandable') {
            expandable = true;
            continue;
          }
          throw new ParseError(
            `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${begin}`,
          );
        }
        i++;
        while (at(i) !== 0 && isSpaceByte(at(i))) i++;
        if (at(i) === 0) throw new ParseError(`Unclosed start tag "${tag}" at byte offset ${begin}`);
        let value: string;
        if (at(i) !== 0x27 && at(i) !== 0x22) {
          const tokenBegin = i;
          while (isAlnumByte(at(i)) || at(i) === 0x2e || at(i) === 0x2d) i++;
          value = b.toString('utf8', tokenBegin, i).toLowerCase();
          if (!isSpaceByte(at(i)) && at(i) !== 0x3e) {
            throw new ParseError(`Unexpected end of name token at byte offset ${tokenBegin}`);
          }
        } else {
          const quote = at(i++);
          const bytes: number[] = [];
          while (at(i) !== quote && at(i) !== 0) {
            if (at(i) === 0x26) {
              const decoded = decodeHtmlEntity(b, i);
              if (decoded) {
                pushCodePoint(bytes, decoded.code);
                i = decoded.next;
                continue;
              }
            }
            bytes.push(at(i++));
          }
          if (at(i) === quote) i++;
          value = Buffer.from(bytes).toString('utf8');
        }
        if (at(i) === 0) throw new ParseError(`Unclosed start tag at byte offset ${begin}`);
        if (tag === 'a' && attribute === 'href') argument = value;
        else if (tag === 'code' && attribute === 'class' && value.startsWith('language-'))
          argument = value.slice(9);
        else if (tag === 'span' && attribute === 'class' && value.startsWith('tg-'))
          argument = value.slice(3);
        else if (tag === 'tg-emoji' && attribute === 'emoji-id') argument = value;
      }
      if (tag === 'span' && argument !== 'spoiler') {
        throw new ParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${begin}`);
      }
      nested.push({ tag, argument, offset: utf16, begin: out.length, expandable });
    } else {
      if (nested.length === 0) throw new ParseError(`Unexpected end tag at byte offset ${begin}`);
      while (!isSpaceByte(at(i)) && at(i) !== 0x3e) i++;
      const endTag = b.toString('utf8', begin + 2, i).toLowerCase();
      while (isSpaceByte(at(i)) && at(i) !== 0) i++;
      if (at(i) !== 0x3e) throw new ParseError(`Unclosed end tag at byte offset ${begin}`);
      const top = nested.at(-1)!;
      if (endTag && endTag !== top.tag) {
        throw new ParseError(
          `Unmatched end tag at byte offset ${begin}, expected "</${top.tag}>", found "</${endTag}>"`,
        );
      }
      if (utf16 > top.offset) {
        const offset = top.offset;
        const length = utf16 - offset;
        const last = entities.at(-1);
        const tag = top.tag;
        if (tag === 'i' || tag === 'em') entities.push({ type: 'Italic', offset, length });
        else if (tag === 'b' || tag === 'strong') entities.push({ type: 'Bold', offset, length });
        else if (tag === 's' || tag === 'strike' || tag === 'del')
          entities.push({ type: 'Strikethrough', offset, length });
        else if (tag === 'u' || tag === 'ins') entities.push({ type: 'Underline', offset, length });
        else if (tag === 'tg-spoiler' || tag === 'span') entities.push({ type: 'Spoiler', offset, length });
        else if (tag === 'tg-emoji') {
          if (!/^-?\d{1,19}$/.test(top.argument) || /^-?0+$/.test(top.argument)) {
            throw new ParseError('Invalid custom emoji identifier specified');
          }
          entities.push({ type: 'CustomEmoji', offset, length, argument: top.argument });
        } else if (tag === 'a') {
          const url = top.argument || Buffer.from(out.slice(top.begin)).toString('utf8');
          const userId = linkUserId(url);
          if (userId !== undefined) entities.push({ type: 'MentionName', offset, length, userId });
          else {
            const checked = checkedLink(url);
            if (checked) entities.push({ type: 'TextUrl', offset, length, argument: checked });
          }
        } else if (tag === 'pre') {
          if (last?.type === 'Code' && last.offset === offset && last.length === length && last.argument) {
            last.type = 'PreCode';
          } else {
            entities.push({ type: 'Pre', offset, length });
          }
        } else if (tag === 'code') {
          if (last?.type === 'Pre' && last.offset === offset && last.length === length && top.argument) {
            last.type = 'PreCode';
            last.argument = top.argument;
          } else {
            entities.push({ type: 'Code', offset, length, argument: top.argument });
          }
        } else if (tag === 'blockquote') {
          entities.push({ type: top.expandable ? 'ExpandableBlockQuote' : 'BlockQuote', offset, length });
        }
      }
      nested.pop();
    }
  }
  if (nested.length > 0) {
    throw new ParseError(`Can't find end tag corresponding to start tag ${nested.at(-1)!.tag}`);
  }
  for (const e of entities) if (e.type === 'Code') delete e.argument;
  return { text: Buffer.from(out).toString('utf8'), entities };
}

function parseMarkdownV2(input: string): { text: string; entities: RawEntity[] } {
  const b = Buffer.from(input, 'utf8');
  const n = b.length;
  const at = (i: number): number => byteAt(b, i);
  const out: number[] = [];
  const entities: RawEntity[] = [];
  const nested: { type: TdType; argument: string; offset: number; byteOffset: number; begin: number }[] = [];
  const reservedError = (c: number): ParseError =>
    new ParseError(
      `Character '${String.fromCharCode(c)}' is reserved and must be escaped with the preceding '\\'`,
    );
  const readUrl = (start: number): { url: string; end: number } => {
    let i = start;
    const bytes: number[] = [];
    while (i < n && at(i) !== 0x29) {
      if (at(i) === 0x5c && at(i + 1) > 0 && at(i + 1) <= 126) {
        bytes.push(at(i + 1));
        i += 2;
        continue;
      }
      bytes.push(at(i++));
    }
    return { url: Buffer.from(bytes).toString('utf8'), end: i };
  };
  let utf16 = 0;
  let haveBlockquote = false;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x5c && at(i + 1) > 0 && at(i + 1) <= 126) {
      i++;
      utf16 += 1;
      out.push(b[i]!);
      continue;
    }
    const top = nested.at(-1);
    const inCode = top?.type === 'Code' || top?.type === 'Pre' || top?.type === 'PreCode';
    const reserved = inCode ? '`' : '_*[]()~`>#+-=|{}.!\n';
    if (c >= 0x80 || !reserved.includes(String.fromCharCode(c))) {
      utf16 += utf16Width(c);
      out.push(c);
      continue;
    }
    let isEnd = false;
    if (top) {
      if (haveBlockquote && c === 0x0a && (i + 1 === n || at(i + 1) !== 0x3e)) isEnd = true;
      else {
        switch (top.type) {
          case 'Bold':
            isEnd = c === 0x2a;
            break;
          case 'Italic':
            isEnd = c === 0x5f && at(i + 1) !== 0x5f;
            break;
          case 'Code':
            isEnd = c === 0x60;
            break;
          case 'Pre':
          case 'PreCode':
            isEnd = c === 0x60 && at(i + 1) === 0x60 && at(i + 2) === 0x60;
            break;
          case 'TextUrl':
          case 'CustomEmoji':
            isEnd = c === 0x5d;
            break;
          case 'Underline':
            isEnd = c === 0x5f && at(i + 1) === 0x5f;
            break;
          case 'Strikethrough':
            isEnd = c === 0x7e;
            break;
          case 'Spoiler':
            isEnd = c === 0x7c && at(i + 1) === 0x7c;
            break;
          default:
            isEnd = false;
        }
      }
    }
    if (!isEnd) {
      let type: TdType | undefined;
      let argument = '';
      const byteOffset = i;
      switch (c) {
        case 0x5f:
          if (at(i + 1) === 0x5f) {
            type = 'Underline';
            i++;
          } else {
            type = 'Italic';
          }
          break;
        case 0x2a:
          type = 'Bold';
          break;
        case 0x7e:
          type = 'Strikethrough';
          break;
        case 0x7c:
          if (at(i + 1) !== 0x7c) throw reservedError(c);
          i++;
          type = 'Spoiler';
          break;
        case 0x5b:
          type = 'TextUrl';
          break;
        case 0x60:
          if (at(i + 1) === 0x60 && at(i + 2) === 0x60) {
            i += 3;
            type = 'Pre';
            let languageEnd = i;
            while (!isSpaceByte(at(languageEnd)) && at(languageEnd) !== 0x60) languageEnd++;
            if (i !== languageEnd && languageEnd < n && at(languageEnd) !== 0x60) {
              type = 'PreCode';
              argument = b.toString('utf8', i, languageEnd);
              i = languageEnd;
            }
            if (at(i) === 0x0a || at(i) === 0x0d) {
              if ((at(i + 1) === 0x0a || at(i + 1) === 0x0d) && at(i) !== at(i + 1)) i += 2;
              else i++;
            }
            i--;
          } else {
            type = 'Code';
          }
          break;
        case 0x21:
          if (at(i + 1) !== 0x5b) throw reservedError(c);
          i++;
          type = 'CustomEmoji';
          break;
        case 0x0a:
          utf16 += 1;
          out.push(0x0a);
          if (i + 1 < n && at(i + 1) === 0x3e) {
            i++;
            if (!haveBlockquote) {
              type = 'BlockQuote';
              haveBlockquote = true;
            }
          }
          break;
        case 0x3e:
          if (i !== 0) throw reservedError(c);
          type = 'BlockQuote';
          haveBlockquote = true;
          break;
        default:
          throw reservedError(c);
      }
      if (type === undefined) continue;
      nested.push({ type, argument, offset: utf16, byteOffset, begin: out.length });
    } else {
      const entity = nested.at(-1)!;
      const type = entity.type;
      if (c === 0x0a && type !== 'BlockQuote') {
        throw new ParseError(`Can't find end of ${type} entity at byte offset ${entity.byteOffset}`);
      }
      let argument = entity.argument;
      let userId: number | undefined;
      let skip = utf16 === entity.offset;
      switch (type) {
        case 'Underline':
        case 'Spoiler':
          i++;
          break;
        case 'Pre':
        case 'PreCode':
          i += 2;
          break;
        case 'TextUrl': {
          let url: string;
          if (at(i + 1) !== 0x28) {
            url = Buffer.from(out.slice(entity.begin)).toString('utf8');
          } else {
            const urlBegin = i + 2;
            const read = readUrl(urlBegin);
            i = read.end;
            if (at(i) !== 0x29) throw new ParseError(`Can't find end of a URL at byte offset ${urlBegin}`);
            url = read.url;
          }
          userId = linkUserId(url);
          if (userId === undefined) {
            const checked = checkedLink(url);
            if (!checked) skip = true;
            else argument = checked;
          }
          break;
        }
        case 'CustomEmoji': {
          if (at(i + 1) !== 0x28) throw new ParseError('Custom emoji entity must contain a tg://emoji URL');
          const urlBegin = i + 2;
          const read = readUrl(urlBegin);
          i = read.end;
          if (at(i) !== 0x29) {
            throw new ParseError(`Can't find end of a custom emoji URL at byte offset ${urlBegin}`);
          }
          argument = customEmojiId(read.url);
          break;
        }
        case 'BlockQuote':
          haveBlockquote = false;
          out.push(b[i]!);
          utf16 += 1;
          break;
        default:
          break;
      }
      if (!skip) {
        const length = utf16 - entity.offset;
        if (userId !== undefined)
          entities.push({ type: 'MentionName', offset: entity.offset, length, userId });
        else if (argument) entities.push({ type, offset: entity.offset, length, argument });
        else entities.push({ type, offset: entity.offset, length });
      }
      nested.pop();
    }
  }
  if (haveBlockquote && nested.at(-1)?.type === 'BlockQuote') {
    const entity = nested.pop()!;
    if (utf16 !== entity.offset)
      entities.push({ type: 'BlockQuote', offset: entity.offset, length: utf16 - entity.offset });
  }
  if (nested.length > 0) {
    const entity = nested.at(-1)!;
    throw new ParseError(`Can't find end of ${entity.type} entity at byte offset ${entity.byteOffset}`);
  }
  return { text: Buffer.from(out).toString('utf8'), entities };
}

function parseMarkdown(input: string): { text: string; entities: RawEntity[] } {
  const b = Buffer.from(input, 'utf8');
  const n = b.length;
  const at = (i: number): number => byteAt(b, i);
  const out: number[] = [];
  const entities: RawEntity[] = [];
  const special = (c: number): boolean => c === 0x5f || c === 0x2a || c === 0x60 || c === 0x5b;
  let utf16 = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0x5c && special(at(i + 1))) {
      i++;
      out.push(b[i]!);
      utf16++;
      continue;
    }
    if (!special(c)) {
      utf16 += utf16Width(c);
      out.push(c);
      continue;
    }
    const begin = i;
    const endCharacter = c === 0x5b ? 0x5d : c;
    let isPre = false;
    let language = '';
    i++;
    if (c === 0x60 && at(i) === 0x60 && at(i + 1) === 0x60) {
      i += 2;
      isPre = true;
      let languageEnd = i;
      while (!isSpaceByte(at(languageEnd)) && at(languageEnd) !== 0x60) languageEnd++;
      if (i !== languageEnd && languageEnd < n && at(languageEnd) !== 0x60) {
        language = b.toString('utf8', i, languageEnd);
        i = languageEnd;
      }
      if (at(i) === 0x0a || at(i) === 0x0d) {
        if ((at(i + 1) === 0x0a || at(i + 1) === 0x0d) && at(i) !== at(i + 1)) i += 2;
        else i++;
      }
    }
    const offset = utf16;
    const innerBegin = i;
    while (i < n && (at(i) !== endCharacter || (isPre && !(at(i + 1) === 0x60 && at(i + 2) === 0x60)))) {
      utf16 += utf16Width(at(i));
      out.push(at(i++));
    }
    if (i === n) throw new ParseError(`Can't find end of the entity starting at byte offset ${begin}`);
    if (offset !== utf16) {
      const length = utf16 - offset;
      if (c === 0x5f) entities.push({ type: 'Italic', offset, length });
      else if (c === 0x2a) entities.push({ type: 'Bold', offset, length });
      else if (c === 0x5b) {
        let url: string;
        if (at(i + 1) !== 0x28) {
          url = b.toString('utf8', innerBegin, i);
        } else {
          i += 2;
          const urlBegin = i;
          while (i < n && at(i) !== 0x29) i++;
          url = b.toString('utf8', urlBegin, i);
        }
        const userId = linkUserId(url);
        if (userId !== undefined) entities.push({ type: 'MentionName', offset, length, userId });
        else {
          const checked = checkedLink(url);
          if (checked) entities.push({ type: 'TextUrl', offset, length, argument: checked });
        }
      } else if (isPre) {
        entities.push(
          language
            ? { type: 'PreCode', offset, length, argument: language }
            : { type: 'Pre', offset, length },
        );
      } else {
        entities.push({ type: 'Code', offset, length });
      }
    }
    if (isPre) i += 2;
  }
  return { text: Buffer.from(out).toString('utf8'), entities };
}

/** tdlib's order for entities sharing offset and length (lower first). */
const ENTITY_PRIORITY: Record<string, number> = {
  blockquote: 0,
  expandable_blockquote: 0,
  pre: 10,
  code: 20,
  text_link: 49,
  text_mention: 49,
  bold: 90,
  italic: 91,
  underline: 92,
  strikethrough: 93,
  spoiler: 94,
  custom_emoji: 99,
};

const sortEntities = (entities: MessageEntity[]): MessageEntity[] =>
  entities.sort(
    (a, b) =>
      a.offset - b.offset ||
      b.length - a.length ||
      (ENTITY_PRIORITY[a.type] ?? 50) - (ENTITY_PRIORITY[b.type] ?? 50),
  );

/** The entities Telegram detects by itself in any text: bot commands, mentions, hashtags, URLs. */
export function detectEntities(text: string, existing: readonly MessageEntity[] = []): MessageEntity[] {
  const blocked = existing.filter((e) =>
    ['code', 'pre', 'text_link', 'text_mention', 'custom_emoji', 'url'].includes(e.type),
  );
  const found: MessageEntity[] = [];
  const add = (type: 'bot_command' | 'url' | 'mention' | 'hashtag', offset: number, length: number): void => {
    const end = offset + length;
    const overlaps = (e: MessageEntity): boolean => offset < e.offset + e.length && e.offset < end;
    if (blocked.some(overlaps) || found.some(overlaps)) return;
    found.push({ type, offset, length });
  };
  for (const m of text.matchAll(/(?<![\p{L}\p{N}_@./])https?:\/\/[^\s<>"'`]+/giu)) {
    const url = m[0].replace(/[.,;:!?)\]}'"]+$/u, '');
    if (url.length > 'https://'.length) add('url', m.index, url.length);
  }
  for (const m of text.matchAll(
    /(?<![\p{L}\p{N}_/])\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\p{L}\p{N}_/])/gu,
  )) {
    add('bot_command', m.index, m[0].length);
  }
  for (const m of text.matchAll(/(?<![\p{L}\p{N}_@/])@[A-Za-z0-9_]{3,32}(?![\p{L}\p{N}_])/gu)) {
    add('mention', m.index, m[0].length);
  }
  for (const m of text.matchAll(/(?<![\p{L}\p{N}_#&])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu)) {
    add('hashtag', m.index, m[0].length);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Media sniffing

/** Width, height and whole seconds of an MP4/MOV, from its `mvhd` and first sized `tkhd`. */
function probeMp4(bytes: Buffer): { width: number; height: number; duration: number } | undefined {
  let width = 0;
  let height = 0;
  let duration = 0;
  const walk = (start: number, end: number): void => {
    let pos = start;
    while (pos + 8 <= end) {
      let size = bytes.readUInt32BE(pos);
      const type = bytes.toString('latin1', pos + 4, pos + 8);
      let header = 8;
      if (size === 1) {
        if (pos + 16 > end) return;
        size = Number(bytes.readBigUInt64BE(pos + 8));
        header = 16;
      } else if (size === 0) {
        size = end - pos;
      }
      if (size < header || pos + size > end) return;
      const body = pos + header;
      if (type === 'moov' || type === 'trak') walk(body, pos + size);
      else if (type === 'mvhd') {
        const version = bytes[body];
        const timescale = bytes.readUInt32BE(body + (version === 1 ? 20 : 12));
        const units =
          version === 1 ? Number(bytes.readBigUInt64BE(body + 24)) : bytes.readUInt32BE(body + 16);
        if (timescale > 0) duration = units / timescale;
      } else if (type === 'tkhd' && width === 0) {
        const w = Math.round(bytes.readUInt32BE(pos + size - 8) / 65536);
        const h = Math.round(bytes.readUInt32BE(pos + size - 4) / 65536);
        if (w > 0 && h > 0) {
          width = w;
          height = h;
        }
      }
      pos += size;
    }
  };
  try {
    walk(0, bytes.length);
  } catch {
    return undefined;
  }
  if (width === 0 && duration === 0) return undefined;
  return { width, height, duration: Math.round(duration) };
}

/** The image type its leading bytes say. */
function imageMime(bytes: Buffer): string | undefined {
  if (bytes.subarray(1, 4).toString('latin1') === 'PNG') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  return undefined;
}

/** Width and height of a PNG or JPEG. */
function imageSize(bytes: Buffer): { width: number; height: number } | undefined {
  try {
    if (bytes.subarray(1, 4).toString('latin1') === 'PNG') {
      return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      let pos = 2;
      while (pos + 9 < bytes.length) {
        if (bytes[pos] !== 0xff) return undefined;
        const marker = bytes[pos + 1]!;
        const length = bytes.readUInt16BE(pos + 2);
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return { height: bytes.readUInt16BE(pos + 5), width: bytes.readUInt16BE(pos + 7) };
        }
        pos += 2 + length;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------

const METHOD_NAMES = [
  'getMe',
  'logOut',
  'close',
  'getUpdates',
  'setWebhook',
  'deleteWebhook',
  'getWebhookInfo',
  'sendMessage',
  'editMessageText',
  'editMessageCaption',
  'editMessageReplyMarkup',
  'deleteMessage',
  'answerCallbackQuery',
  'sendChatAction',
  'setMyCommands',
  'getMyCommands',
  'deleteMyCommands',
  'getFile',
  'sendVideo',
  'sendDocument',
  'sendPhoto',
];
const CANONICAL = new Map(METHOD_NAMES.map((m) => [m.toLowerCase(), m]));

type MediaKind = 'video' | 'document' | 'photo';

export class FakeTelegram {
  readonly server: FakeServer;
  readonly token: string;
  /** The bot user, as it appears in `from` of its messages. */
  readonly botUser: User & { is_bot: true; username: string };
  readonly uploadLimitBytes: number;
  readonly downloadLimitBytes: number;
  /** Pause between webhook delivery attempts after a failure. */
  webhookRetryMs = 200;

  private readonly chats = new Map<number, ChatState>();
  private readonly users = new Map<number, User>();
  private readonly files = new Map<string, StoredFile>();
  private readonly filesByPath = new Map<string, StoredFile>();
  private readonly callbackQueries = new Map<string, { answer?: CallbackAnswer }>();
  private readonly commandSets = new Map<string, BotCommand[]>();
  private readonly entries = new WeakMap<RecordedRequest, CallEntry>();
  private readonly webhookCalls: CallEntry[] = [];
  private readonly methods: Record<string, MethodHandler>;
  private readonly stopping = new AbortController();
  private updates: Update[] = [];
  private polls: Poll[] = [];
  private rateLimits: { method: string; retryAfter: number; remaining: number }[] = [];
  private allowedUpdates: string[] = [];
  private hook: WebhookState | undefined;
  private webhookRunning = false;
  private notifyScheduled = false;
  private closed = false;
  private counter = 0;
  private nextUpdateId = 500_000_001;
  private nextUserId = 5_100_000_001;
  private nextGroupId = 1;

  private constructor(options: FakeTelegramOptions) {
    const match = /^(\d+):[A-Za-z0-9_-]+$/.exec(options.token);
    if (!match) throw new Error(`FakeTelegram: "${options.token}" is not a bot token (<bot id>:<secret>)`);
    this.token = options.token;
    this.botUser = {
      id: Number(match[1]),
      is_bot: true,
      first_name: options.botName ?? FAKE_BOT.first_name,
      username: options.botUsername ?? FAKE_BOT.username,
    };
    this.uploadLimitBytes = options.uploadLimitBytes ?? 50 * MB;
    this.downloadLimitBytes = options.downloadLimitBytes ?? 20 * MB;
    this.users.set(this.botUser.id, this.botUser);
    this.server = new FakeServer(
      (_method, path) => this.classify(path),
      (ctx) => this.handle(ctx),
    );
    this.methods = {
      getMe: () => ({ result: this.me() }),
      logOut: () => ({ result: true }),
      close: () => ({ result: true }),
      setWebhook: (p) => this.setWebhook(p),
      deleteWebhook: (p) => this.deleteWebhook(p),
      getWebhookInfo: () => ({ result: this.webhookInfo() }),
      sendMessage: (p) => this.sendMessage(p),
      editMessageText: (p) => this.editMessageText(p),
      editMessageCaption: (p) => this.editMessageCaption(p),
      editMessageReplyMarkup: (p) => this.editMessageReplyMarkup(p),
      deleteMessage: (p) => this.deleteMessage(p),
      answerCallbackQuery: (p) => this.answerCallbackQuery(p),
      sendChatAction: (p) => this.sendChatAction(p),
      setMyCommands: (p) => this.setMyCommands(p),
      getMyCommands: (p) => ({ result: clone(this.commands(obj(p.scope), str(p.language_code))) }),
      deleteMyCommands: (p) => {
        this.commandSets.delete(this.commandKey(obj(p.scope), str(p.language_code)));
        return { result: true };
      },
      getFile: (p) => this.getFile(p),
      getChatMember: (p) => this.getChatMember(p),
      leaveChat: (p) => this.leaveChat(p),
      sendVideo: (p, call) => this.sendMedia('video', p, call),
      sendDocument: (p, call) => this.sendMedia('document', p, call),
      sendPhoto: (p, call) => this.sendMedia('photo', p, call),
    };
  }

  static async start(options: FakeTelegramOptions): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    await fake.server.start();
    return fake;
  }

  /** The Bot API root to configure as `TELEGRAM_API_URL` (no trailing slash). */
  get apiUrl(): string {
    return this.server.baseUrl;
  }

  /** The download URL of a `file_path` (it carries the token, as Telegram's does). */
  fileUrl(filePath: string): string {
    return `${this.apiUrl}/file/bot${this.token}/${filePath}`;
  }

  // -------------------------------------------------------------------------------------------
  // Driving API

  /** A test user (remembered, so text mentions of it resolve). */
  user(
    id?: number,
    name?: string,
    extra: { username?: string; last_name?: string; language_code?: string } = {},
  ): User {
    const userId = id ?? this.nextUserId++;
    const user: User = { id: userId, is_bot: false, first_name: name ?? `Test User ${userId}`, ...extra };
    if (!('language_code' in extra)) user.language_code = 'en';
    this.users.set(userId, user);
    return clone(user);
  }

  /** The private chat between `user` and the bot. */
  privateChat(user: User): Chat {
    const chat: Chat = { id: user.id, type: 'private', first_name: user.first_name };
    if (user.last_name !== undefined) chat.last_name = user.last_name;
    if (user.username !== undefined) chat.username = user.username;
    this.users.set(user.id, user);
    return clone(this.chatState(chat).chat);
  }

  /**
   * A group the bot is in: a basic group by default, a supergroup for a `-100…` id or
   * `type: 'supergroup'` (`forum: true` for topics).
   */
  groupChat(
    id?: number,
    options: { title?: string; type?: 'group' | 'supergroup'; forum?: boolean; username?: string } = {},
  ): Chat {
    const n = this.nextGroupId++;
    const type = options.type ?? (id !== undefined && id <= -1_000_000_000_000 ? 'supergroup' : 'group');
    const chatId = id ?? (type === 'supergroup' ? -(1_001_100_000_000 + n) : -(4_100_000_000 + n));
    const title = options.title ?? `Test Group ${n}`;
    let chat: Chat;
    if (type === 'supergroup') {
      const supergroup: Chat.SupergroupChat = { id: chatId, type, title };
      if (options.username !== undefined) supergroup.username = options.username;
      if (options.forum) supergroup.is_forum = true;
      chat = supergroup;
    } else {
      chat = { id: chatId, type, title };
    }
    return clone(this.chatState(chat).chat);
  }

  /** Stores bytes as a Telegram file; `size` is the size Telegram will claim (default: real). */
  putFile(
    bytes: Buffer,
    options: { mime?: string; fileName?: string; size?: number; folder?: string } = {},
  ): { file_id: string; file_unique_id: string; file_size: number } {
    const file = this.storeFile(bytes, options);
    return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size };
  }

  /**
   * Telegram no longer knows a file (as after it dropped it): `getFile` answers 400 "invalid
   * file_id" and its download URL 404. Returns whether the file was known.
   */
  forgetFile(fileId: string): boolean {
    const file = this.files.get(fileId);
    if (!file) return false;
    this.files.delete(fileId);
    this.filesByPath.delete(file.file_path);
    return true;
  }

  /** A user's photo: three sizes, smallest first; the two thumbnails are generated PNGs, the last is `bytes`. */
  photo(bytes: Buffer, width: number, height: number): PhotoSize[] {
    return this.photoSizes(bytes, width, height);
  }

  /** A user's document; `claimedSize` fakes a large file without its bytes. */
  document(bytes: Buffer, mime: string, fileName: string, claimedSize?: number): Document {
    const file = this.storeFile(bytes, {
      mime,
      fileName,
      folder: 'documents',
      ...(claimedSize !== undefined ? { size: claimedSize } : {}),
    });
    return {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: fileName,
      mime_type: mime,
      file_size: file.size,
    };
  }

  /** A user's video (an MP4; dimensions read from it unless given). */
  video(
    bytes: Buffer,
    options: { width?: number; height?: number; duration?: number; fileName?: string } = {},
  ): Video {
    const file = this.storeFile(bytes, {
      mime: 'video/mp4',
      fileName: options.fileName ?? 'video.mp4',
      folder: 'videos',
    });
    const probed = probeMp4(bytes);
    return {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      width: options.width ?? probed?.width ?? 0,
      height: options.height ?? probed?.height ?? 0,
      duration: options.duration ?? probed?.duration ?? 0,
      file_name: file.fileName ?? 'video.mp4',
      mime_type: 'video/mp4',
      file_size: file.size,
    };
  }

  /** A user sends a message: it is stored and a `message` update is queued. */
  send(m: UserMessage): Message {
    const state = this.chatState(m.chat);
    this.users.set(m.from.id, m.from);
    const message: Message = {
      message_id: state.nextMessageId++,
      from: clone(m.from),
      chat: state.chat,
      date: nowSeconds(),
    };
    if (m.threadId !== undefined) {
      message.message_thread_id = m.threadId;
      message.is_topic_message = true;
    }
    if (m.media_group_id !== undefined) message.media_group_id = m.media_group_id;
    if (m.replyTo !== undefined) {
      const id = typeof m.replyTo === 'number' ? m.replyTo : m.replyTo.message_id;
      const target = state.messages.get(id);
      if (!target)
        throw new Error(`FakeTelegram.send: chat ${state.chat.id} has no message ${id} to reply to`);
      message.reply_to_message = this.asReply(target);
    }
    if (m.text !== undefined) {
      message.text = m.text;
      const entities = m.entities ?? detectEntities(m.text);
      if (entities.length > 0) message.entities = entities;
    }
    if (m.photo) message.photo = clone(m.photo);
    if (m.document) message.document = clone(m.document);
    if (m.video) message.video = clone(m.video);
    if (m.caption !== undefined) {
      message.caption = m.caption;
      const entities = m.entities ?? detectEntities(m.caption);
      if (entities.length > 0) message.caption_entities = entities;
    }
    if (m.text === undefined && !m.photo && !m.document && !m.video) {
      throw new Error('FakeTelegram.send: a message needs text, a photo, a document or a video');
    }
    state.messages.set(message.message_id, message);
    if (state.chat.type !== 'private' && !state.members.has(m.from.id))
      state.members.set(m.from.id, 'member');
    // A bot that left a group hears nothing from it.
    if (!state.botLeft) this.queue({ message: clone(message) } as Omit<Update, 'update_id'>);
    return clone(message);
  }

  /** A user sends an album: one message per item sharing a media_group_id, the caption on the first. */
  album(
    m: { chat: Chat; from: User; caption?: string; replyTo?: number | Message },
    items: ({ photo: PhotoSize[] } | { document: Document } | { video: Video })[],
  ): Message[] {
    const group = String(10_000_000_000_000 + ++this.counter);
    return items.map((item, index) =>
      this.send({
        chat: m.chat,
        from: m.from,
        media_group_id: group,
        ...item,
        ...(index === 0 && m.caption !== undefined ? { caption: m.caption } : {}),
        ...(m.replyTo !== undefined ? { replyTo: m.replyTo } : {}),
      }),
    );
  }

  /** The inline buttons of a bot message as it is now, flattened row by row (plain fields, no union). */
  buttons(message: Message): InlineButton[] {
    const current = this.chats.get(message.chat.id)?.messages.get(message.message_id) ?? message;
    return (current.reply_markup?.inline_keyboard ?? []).flat().map((b) => {
      const plain = b as { text: string; callback_data?: string; url?: string };
      return {
        text: plain.text,
        ...(plain.callback_data !== undefined ? { callback_data: plain.callback_data } : {}),
        ...(plain.url !== undefined ? { url: plain.url } : {}),
      };
    });
  }

  /**
   * A user presses an inline button of a bot message — by its callback_data, or by its label
   * (`{ text: 'Cancel' }` or a RegExp): queues a `callback_query` carrying the message as it is now,
   * and returns the query id. Throws if the message has no such button now, unless `stale` (a press
   * that raced an edit; only with callback_data).
   */
  press(
    botMessage: Message,
    button: string | { text: string | RegExp },
    from: User,
    options: { stale?: boolean } = {},
  ): string {
    const current = this.chats.get(botMessage.chat.id)?.messages.get(botMessage.message_id);
    if (!current) {
      throw new Error(
        `FakeTelegram.press: no message ${botMessage.message_id} in chat ${botMessage.chat.id}`,
      );
    }
    const buttons = this.buttons(current);
    let data: string | undefined;
    if (typeof button === 'string') {
      data = options.stale || buttons.some((b) => b.callback_data === button) ? button : undefined;
    } else {
      const label = button.text;
      data = buttons.find((b) =>
        typeof label === 'string' ? b.text === label : label.test(b.text),
      )?.callback_data;
    }
    if (data === undefined) {
      throw new Error(
        `FakeTelegram.press: message ${current.message_id} has no button ${JSON.stringify(typeof button === 'string' ? button : String(button.text))} with callback_data ` +
          `(buttons: ${JSON.stringify(buttons)})`,
      );
    }
    this.users.set(from.id, from);
    const id = `${BigInt(this.botUser.id) * 1000n + BigInt(++this.counter)}${String(Date.now() % 1000).padStart(3, '0')}`;
    this.callbackQueries.set(id, {});
    const query: CallbackQuery = {
      id,
      from: clone(from),
      message: clone(current),
      chat_instance: String(BigInt(current.chat.id) * -7919n + 424242424242n),
      data,
    };
    this.queue({ callback_query: query } as Omit<Update, 'update_id'>);
    return id;
  }

  /** Queues any raw update (an `update_id` is assigned unless given). */
  update(raw: object): void {
    const { update_id, ...rest } = raw as Record<string, unknown>;
    if (typeof update_id === 'number') {
      this.updates.push(clone(raw) as unknown as Update);
      this.nextUpdateId = Math.max(this.nextUpdateId, update_id + 1);
      this.scheduleNotify();
    } else {
      this.queue(clone(rest) as Omit<Update, 'update_id'>);
    }
  }

  /** From now on the bot gets 403 in this chat ("bot was blocked by the user" / "kicked"). */
  blockBot(chat: Chat, description?: string): void {
    const state = this.chatState(chat);
    state.forbidden =
      description ??
      (chat.type === 'private'
        ? 'Forbidden: bot was blocked by the user'
        : chat.type === 'supergroup'
          ? 'Forbidden: bot was kicked from the supergroup chat'
          : 'Forbidden: bot was kicked from the group chat');
  }

  /** A user's status in a group from now on (`getChatMember` answers it). */
  setMember(chat: Chat, user: User, status: MemberStatus): void {
    this.users.set(user.id, user);
    this.chatState(chat).members.set(user.id, status);
  }

  /**
   * `by` adds the bot to a group (again): it may post there once more, hears its messages, and gets
   * a `my_chat_member` update (left → `status`) from `by`.
   */
  addBot(chat: Chat, by: User, status: 'member' | 'administrator' = 'member'): void {
    const state = this.chatState(chat);
    if (state.chat.type === 'private')
      throw new Error('FakeTelegram.addBot: a bot is not added to a private chat');
    this.users.set(by.id, by);
    if (!state.members.has(by.id)) state.members.set(by.id, 'member');
    state.botLeft = false;
    delete state.forbidden;
    state.members.set(this.botUser.id, status);
    this.queue({
      my_chat_member: {
        chat: clone(state.chat),
        from: clone(by),
        date: nowSeconds(),
        old_chat_member: this.member(this.botUser, 'left'),
        new_chat_member: this.member(this.botUser, status),
      },
    } as Omit<Update, 'update_id'>);
  }

  /** Whether the bot left the chat (and was not added back). */
  hasLeft(chat: Chat): boolean {
    return this.chats.get(chat.id)?.botLeft === true;
  }

  /** A message as it is now (after edits), or undefined (unknown or deleted). */
  message(chatId: number, messageId: number): Message | undefined {
    const message = this.chats.get(chatId)?.messages.get(messageId);
    return message ? clone(message) : undefined;
  }

  /** Every live message of a chat, oldest first; `fromBot` keeps only the bot's (or only users'). */
  messages(chatId: number, options: { fromBot?: boolean } = {}): Message[] {
    const all = [...(this.chats.get(chatId)?.messages.values() ?? [])].sort(
      (a, b) => a.message_id - b.message_id,
    );
    return all
      .filter((m) => options.fromBot === undefined || (m.from?.id === this.botUser.id) === options.fromBot)
      .map((m) => clone(m));
  }

  /** Every call so far (optionally of one method), parsed, oldest first. */
  calls(method?: string): TelegramCall[] {
    const all: TelegramCall[] = [...this.server.requests.map((r) => this.entryFor(r)), ...this.webhookCalls];
    all.sort((a, b) => a.at - b.at);
    return all.filter((c) => method === undefined || c.method === method).map((c) => ({ ...c }));
  }

  /** Resolves with the first answered call of `method` matching `predicate` (past or future). */
  waitForCall(
    method: string,
    predicate?: (call: TelegramCall) => boolean,
    timeoutMs = 10_000,
  ): Promise<TelegramCall> {
    return waitFor(() => this.calls(method).find((c) => c.status !== 0 && (!predicate || predicate(c))), {
      timeoutMs,
      intervalMs: 10,
      what: `a ${method} call${predicate ? ' matching the predicate' : ''}`,
    });
  }

  /** Resolves with the first bot message in the chat matching `predicate` (current state). */
  waitForMessage(
    chatId: number,
    predicate: (m: Message) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Message> {
    return waitFor(() => this.messages(chatId, { fromBot: true }).find(predicate), {
      timeoutMs,
      intervalMs: 10,
      what: `a bot message in chat ${chatId}`,
    });
  }

  /** Resolves once a getUpdates long poll is being held. */
  async waitForPoll(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.polls.length > 0, { timeoutMs, intervalMs: 5, what: 'a held getUpdates' });
  }

  /** Updates queued and not yet confirmed (by a getUpdates offset or a webhook 2xx). */
  get pendingUpdates(): Update[] {
    return clone(this.updates);
  }

  /** A stored file by file_id (bytes the bot uploaded or a test put). */
  file(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  /** How the bot answered a callback query, if it did (answerCallbackQuery's parameters). */
  callbackAnswer(queryId: string): CallbackAnswer | undefined {
    const answer = this.callbackQueries.get(queryId)?.answer;
    return answer ? { ...answer } : undefined;
  }

  /** The commands set for a scope and language (setMyCommands). */
  commands(scope?: unknown, languageCode?: string): BotCommand[] {
    return this.commandSets.get(this.commandKey(scope, languageCode)) ?? [];
  }

  /** The webhook set by the bot, if any. */
  get webhook(): { url: string; secret_token?: string; allowed_updates?: string[] } | undefined {
    if (!this.hook) return undefined;
    return {
      url: this.hook.url,
      ...(this.hook.secretToken !== undefined ? { secret_token: this.hook.secretToken } : {}),
      ...(this.hook.allowedUpdates ? { allowed_updates: [...this.hook.allowedUpdates] } : {}),
    };
  }

  /** The next `times` calls of `method` answer 429 "Too Many Requests: retry after N". */
  rateLimit(method: string, retryAfterSeconds: number, times = 1): void {
    this.rateLimits.push({ method, retryAfter: retryAfterSeconds, remaining: times });
  }

  /** Answers held polls with `[]` at once, stops webhook delivery, then the server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    const finishing = this.polls.map(
      (poll) => new Promise<void>((resolve) => poll.res.once('close', () => resolve())),
    );
    for (const poll of [...this.polls]) this.finishPoll(poll, 200, { ok: true, result: [] });
    await Promise.race([Promise.all(finishing), new Promise((r) => setTimeout(r, 500))]);
    await this.server.close();
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private classify(path: string): string {
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (download) return this.tokenOk(download[1]) ? 'file' : 'unauthorized';
    const api = /^\/bot([^/]+)\/([^/]+)\/?$/.exec(path);
    if (!api) return 'not-found';
    if (!this.tokenOk(api[1])) return 'unauthorized';
    const method = decodeURIComponent(api[2] ?? '');
    return CANONICAL.get(method.toLowerCase()) ?? method;
  }

  private tokenOk(raw: string | undefined): boolean {
    try {
      return decodeURIComponent(raw ?? '') === this.token;
    } catch {
      return false;
    }
  }

  private entryFor(recorded: RecordedRequest): CallEntry {
    let entry = this.entries.get(recorded);
    if (!entry) {
      if (recorded.kind === 'file') {
        const filePath = decodeURIComponent(recorded.path.replace(/^\/file\/bot[^/]+\//, ''));
        entry = {
          method: 'file',
          params: { file_path: filePath },
          files: {},
          uploads: {},
          at: recorded.at,
          status: 0,
        };
      } else {
        const { params, files } = parseRequest(recorded);
        entry = {
          method: recorded.kind,
          params,
          files,
          uploads: uploadsOf(params, files),
          at: recorded.at,
          status: 0,
        };
      }
      this.entries.set(recorded, entry);
    }
    return entry;
  }

  private async handle({ res, recorded }: FakeHandlerContext): Promise<void> {
    const entry = this.entryFor(recorded);
    const kind = recorded.kind;
    if (kind === 'unauthorized') return this.fail(res, entry, new ApiError(401, 'Unauthorized'));
    if (kind === 'not-found') return this.fail(res, entry, new ApiError(404, 'Not Found'));
    if (kind === 'file') return this.download(res, entry);
    const limit = this.rateLimits.find((r) => r.method === kind && r.remaining > 0);
    if (limit) {
      limit.remaining -= 1;
      if (limit.remaining <= 0) this.rateLimits.splice(this.rateLimits.indexOf(limit), 1);
      return this.fail(
        res,
        entry,
        new ApiError(429, `Too Many Requests: retry after ${limit.retryAfter}`, {
          retry_after: limit.retryAfter,
        }),
      );
    }
    if (kind === 'getUpdates') return this.getUpdates(res, entry);
    try {
      const outcome = await this.execute(kind, entry.params, entry);
      this.answer(res, entry, 200, {
        ok: true,
        result: outcome.result,
        ...(outcome.description !== undefined ? { description: outcome.description } : {}),
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.fail(res, entry, error);
    }
  }

  private async execute(method: string, params: Json, entry: CallEntry): Promise<Outcome> {
    const handler = Object.hasOwn(this.methods, method) ? this.methods[method] : undefined;
    if (!handler) throw new ApiError(404, 'Not Found');
    return handler(params, entry);
  }

  private answer(res: ServerResponse | undefined, entry: CallEntry, status: number, body: Json): void {
    entry.status = status;
    entry.response = body;
    if (!res || res.writableEnded || res.destroyed) return;
    sendJson(res, status, body);
  }

  private fail(res: ServerResponse | undefined, entry: CallEntry, error: ApiError): void {
    this.answer(res, entry, error.code, {
      ok: false,
      error_code: error.code,
      description: error.description,
      ...(error.parameters ? { parameters: error.parameters } : {}),
    });
  }

  private download(res: ServerResponse, entry: CallEntry): void {
    const file = this.filesByPath.get(String(entry.params.file_path));
    if (!file) {
      this.fail(res, entry, new ApiError(404, 'Not Found'));
      return;
    }
    entry.status = 200;
    res.writeHead(200, {
      'content-type': file.mime ?? MIME_BY_EXT[extOf(file.file_path)] ?? 'application/octet-stream',
      'content-length': String(file.bytes.length),
    });
    res.end(file.bytes);
  }

  // -------------------------------------------------------------------------------------------
  // Updates: long polling and webhooks

  private queue(content: Omit<Update, 'update_id'>): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...content } as Update);
    this.scheduleNotify();
  }

  private scheduleNotify(): void {
    if (this.notifyScheduled || this.closed) return;
    this.notifyScheduled = true;
    // Updates queued in one tick (an album) reach a held poll together, as they usually do.
    setImmediate(() => {
      this.notifyScheduled = false;
      for (const poll of [...this.polls]) {
        const ready = this.deliverable(poll.limit);
        if (ready.length > 0) this.finishPoll(poll, 200, { ok: true, result: ready });
      }
      if (this.hook) void this.runWebhook();
    });
  }

  private allowed(update: Update, list: readonly string[] = this.allowedUpdates): boolean {
    const type = Object.keys(update).find((k) => k !== 'update_id') ?? '';
    return list.length > 0 ? list.includes(type) : !OPT_IN_UPDATES.has(type);
  }

  private deliverable(limit: number): Update[] {
    return clone(this.updates.filter((u) => this.allowed(u)).slice(0, limit));
  }

  private getUpdates(res: ServerResponse, entry: CallEntry): void {
    const p = entry.params;
    if (this.hook) {
      const conflict =
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
      this.fail(res, entry, new ApiError(409, conflict));
      return;
    }
    for (const poll of [...this.polls]) {
      this.finishPoll(poll, 409, {
        ok: false,
        error_code: 409,
        description:
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      });
    }
    const offset = int(p.offset);
    if (offset !== undefined && offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    else if (offset !== undefined && offset < 0) this.updates = this.updates.slice(offset);
    const allowed = obj(p.allowed_updates);
    if (Array.isArray(allowed)) this.allowedUpdates = allowed.map(String);
    const limit = Math.min(100, Math.max(1, int(p.limit) ?? 100));
    const timeout = Math.max(0, Number(p.timeout) || 0);
    const ready = this.deliverable(limit);
    if (ready.length > 0 || timeout === 0 || this.closed) {
      this.answer(res, entry, 200, { ok: true, result: ready });
      return;
    }
    const poll: Poll = {
      res,
      entry,
      limit,
      timer: setTimeout(() => this.finishPoll(poll, 200, { ok: true, result: [] }), timeout * 1000),
    };
    res.on('close', () => {
      // The client gave up (grammY's bot.stop() aborts its poll): forget it.
      if (this.polls.includes(poll)) {
        clearTimeout(poll.timer);
        this.polls.splice(this.polls.indexOf(poll), 1);
      }
    });
    this.polls.push(poll);
  }

  private finishPoll(poll: Poll, status: number, body: Json): void {
    const index = this.polls.indexOf(poll);
    if (index < 0) return;
    this.polls.splice(index, 1);
    clearTimeout(poll.timer);
    this.answer(poll.res, poll.entry, status, body);
  }

  private setWebhook(p: Json): Outcome {
    const url = str(p.url) ?? '';
    if (url === '') return this.deleteWebhook(p);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest('invalid webhook URL specified');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
    }
    const secret = str(p.secret_token);
    if (secret !== undefined && secret !== '') {
      if (secret.length > 256) throw badRequest('secret token is too long');
      if (!/^[A-Za-z0-9_-]+$/.test(secret)) throw badRequest('secret token contains unallowed characters');
    }
    const maxConnections = int(p.max_connections) ?? 40;
    if (maxConnections < 1 || maxConnections > 100) throw badRequest('invalid max_connections specified');
    if (bool(p.drop_pending_updates)) this.updates = [];
    const allowed = obj(p.allowed_updates);
    const same = this.hook?.url === url && this.hook.secretToken === secret;
    this.hook = { url, maxConnections };
    if (secret) this.hook.secretToken = secret;
    if (Array.isArray(allowed)) this.hook.allowedUpdates = allowed.map(String);
    void this.runWebhook();
    return { result: true, description: same ? 'Webhook is already set' : 'Webhook was set' };
  }

  private deleteWebhook(p: Json): Outcome {
    if (bool(p.drop_pending_updates)) this.updates = [];
    const had = this.hook !== undefined;
    this.hook = undefined;
    return { result: true, description: had ? 'Webhook was deleted' : 'Webhook is already deleted' };
  }

  private webhookInfo(): Json {
    const hook = this.hook;
    const info: Json = {
      url: hook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.updates.length,
    };
    if (hook) {
      if (hook.lastErrorDate !== undefined) {
        info.last_error_date = hook.lastErrorDate;
        info.last_error_message = hook.lastErrorMessage;
      }
      info.max_connections = hook.maxConnections;
      if (hook.allowedUpdates) info.allowed_updates = hook.allowedUpdates;
    }
    return info;
  }

  /** Delivers queued updates to the webhook one at a time until none is left or it is removed. */
  private async runWebhook(): Promise<void> {
    if (this.webhookRunning) return;
    this.webhookRunning = true;
    try {
      while (this.hook && !this.closed) {
        const hook = this.hook;
        const allowed = hook.allowedUpdates ?? this.allowedUpdates;
        this.updates = this.updates.filter((u) => this.allowed(u, allowed));
        const next = this.updates[0];
        if (!next) break;
        try {
          const response = await fetch(hook.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(hook.secretToken ? { 'x-telegram-bot-api-secret-token': hook.secretToken } : {}),
            },
            body: JSON.stringify(next),
            signal: this.stopping.signal,
          });
          const text = await response.text();
          if (response.ok) {
            this.updates = this.updates.filter((u) => u !== next);
            await this.webhookReply(text);
            continue;
          }
          hook.lastErrorDate = nowSeconds();
          hook.lastErrorMessage = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
        } catch (error) {
          if (this.closed) break;
          hook.lastErrorDate = nowSeconds();
          hook.lastErrorMessage = `Connection failed: ${String(error)}`;
        }
        await new Promise((resolve) => setTimeout(resolve, this.webhookRetryMs));
      }
    } finally {
      this.webhookRunning = false;
    }
  }

  /** A webhook handler may answer with one method call in its HTTP response; Telegram runs it. */
  private async webhookReply(text: string): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return;
    }
    if (!isRecord(body) || typeof body.method !== 'string') return;
    const { method: raw, ...params } = body;
    const method = CANONICAL.get(String(raw).toLowerCase()) ?? String(raw);
    const entry: CallEntry = {
      method,
      params,
      files: {},
      uploads: {},
      at: Date.now(),
      status: 0,
      viaWebhookReply: true,
    };
    this.webhookCalls.push(entry);
    try {
      const outcome = await this.execute(method, params, entry);
      this.answer(undefined, entry, 200, { ok: true, result: outcome.result });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.fail(undefined, entry, error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Chats, messages, files

  private me(): UserFromGetMe {
    return {
      ...clone(this.botUser),
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
  }

  private chatState(chat: Chat): ChatState {
    let state = this.chats.get(chat.id);
    if (!state) {
      state = { chat: clone(chat), nextMessageId: 1, messages: new Map(), members: new Map() };
      this.chats.set(chat.id, state);
    }
    return state;
  }

  private targetChat(p: Json): ChatState {
    const raw = p.chat_id;
    if (raw === undefined || raw === null || raw === '') throw badRequest('chat_id is empty');
    let state: ChatState | undefined;
    if (typeof raw === 'string' && raw.startsWith('@')) {
      const username = raw.slice(1).toLowerCase();
      state = [...this.chats.values()].find((s) => s.chat.username?.toLowerCase() === username);
    } else {
      const id = int(raw);
      if (id !== undefined) state = this.chats.get(id);
    }
    if (!state) throw badRequest('chat not found');
    if (state.forbidden) throw new ApiError(403, state.forbidden);
    return state;
  }

  private asReply(message: Message): NonNullable<Message['reply_to_message']> {
    const { reply_to_message: _ignored, ...rest } = clone(message);
    return rest as NonNullable<Message['reply_to_message']>;
  }

  private replyTarget(state: ChatState, p: Json): Message | undefined {
    const parameters = obj(p.reply_parameters);
    const rp = isRecord(parameters) ? parameters : {};
    const id = int(rp.message_id ?? p.reply_to_message_id);
    if (id === undefined) return undefined;
    const target = state.messages.get(id);
    if (target) return target;
    if (bool(rp.allow_sending_without_reply ?? p.allow_sending_without_reply)) return undefined;
    throw badRequest('message to be replied not found');
  }

  /** Text (or caption) as Telegram stores it: markup parsed, trimmed, entities detected. */
  private formatted(
    raw: unknown,
    parseMode: unknown,
    explicit: unknown,
  ): { text: string; entities: MessageEntity[] | undefined } {
    let text = str(raw) ?? '';
    let entities: MessageEntity[] = [];
    const explicitEntities = obj(explicit);
    const mode = (str(parseMode) ?? '').toLowerCase();
    if (Array.isArray(explicitEntities) && explicitEntities.length > 0) {
      entities = clone(explicitEntities) as MessageEntity[];
    } else if (mode !== '') {
      const parse =
        mode === 'html'
          ? parseHtml
          : mode === 'markdownv2'
            ? parseMarkdownV2
            : mode === 'markdown'
              ? parseMarkdown
              : undefined;
      if (!parse) throw badRequest('unsupported parse_mode');
      let parsed: { text: string; entities: RawEntity[] };
      try {
        parsed = parse(text);
      } catch (error) {
        if (error instanceof ParseError) throw badRequest(`can't parse entities: ${error.message}`);
        throw error;
      }
      text = parsed.text;
      entities = parsed.entities.flatMap((e) => this.apiEntity(e));
    }
    // Trim spaces and newlines (tdlib's fix_formatted_text): right always, left up to the first entity.
    let end = text.length;
    while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\n')) end--;
    const firstEntity = Math.min(end, ...entities.map((e) => e.offset));
    let start = 0;
    while (start < firstEntity && (text[start] === ' ' || text[start] === '\n')) start++;
    text = text.slice(start, end);
    entities = entities
      .map((e) => {
        const from = Math.max(e.offset, start);
        const to = Math.min(e.offset + e.length, end);
        return { ...e, offset: from - start, length: to - from };
      })
      .filter((e) => {
        if (e.length <= 0) return false;
        const hidden = e.type === 'text_link' || e.type === 'text_mention' || e.type === 'custom_emoji';
        return hidden || text.slice(e.offset, e.offset + e.length).trim() !== '';
      });
    entities = sortEntities([...entities, ...detectEntities(text, entities)]);
    return { text, entities: entities.length > 0 ? entities : undefined };
  }

  private apiEntity(e: RawEntity): MessageEntity[] {
    const { offset, length } = e;
    switch (e.type) {
      case 'MentionName': {
        const user = this.users.get(e.userId ?? 0);
        return user ? [{ type: 'text_mention', offset, length, user: clone(user) }] : [];
      }
      case 'TextUrl':
        return [{ type: 'text_link', offset, length, url: e.argument ?? '' }];
      case 'CustomEmoji':
        return [{ type: 'custom_emoji', offset, length, custom_emoji_id: e.argument ?? '' }];
      case 'Pre':
        return [{ type: 'pre', offset, length }];
      case 'PreCode':
        return [{ type: 'pre', offset, length, language: e.argument ?? '' }];
      case 'BlockQuote':
        return [{ type: 'blockquote', offset, length }];
      case 'ExpandableBlockQuote':
        return [{ type: 'expandable_blockquote', offset, length }];
      default:
        return [{ type: e.type.toLowerCase() as 'bold', offset, length }];
    }
  }

  /** The inline keyboard to store, validated as Telegram validates it; undefined for none/other kinds. */
  private inlineMarkup(raw: unknown): InlineKeyboardMarkup | undefined {
    if (raw === undefined || raw === null || raw === '') return undefined;
    const markup = obj(raw);
    if (!isRecord(markup)) throw badRequest("can't parse reply keyboard markup JSON object");
    if (!('inline_keyboard' in markup)) return undefined;
    const rows = markup.inline_keyboard;
    if (!Array.isArray(rows))
      throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array');
    const keyboard: InlineKeyboardButton[][] = [];
    for (const row of rows) {
      if (!Array.isArray(row)) {
        throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
      }
      const buttons: InlineKeyboardButton[] = [];
      for (const button of row) {
        if (!isRecord(button))
          throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
        if (typeof button.text !== 'string') {
          throw badRequest('can\'t parse inline keyboard button: Field "text" must be of type String');
        }
        if (!BUTTON_ACTIONS.some((a) => button[a] !== undefined)) {
          throw badRequest(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
          );
        }
        if (button.callback_data !== undefined) {
          const data = str(button.callback_data) ?? '';
          const bytes = Buffer.byteLength(data, 'utf8');
          if (bytes < 1 || bytes > 64) throw badRequest('BUTTON_DATA_INVALID');
        }
        if (button.url !== undefined && !checkedLink(String(button.url)))
          throw badRequest('BUTTON_URL_INVALID');
        buttons.push(clone(button) as unknown as InlineKeyboardButton);
      }
      if (buttons.length > 0) keyboard.push(buttons);
    }
    return keyboard.length > 0 ? { inline_keyboard: keyboard } : undefined;
  }

  private botMessage(
    state: ChatState,
    p: Json,
    content: Partial<Message>,
    markup: InlineKeyboardMarkup | undefined,
  ): Message {
    const reply = this.replyTarget(state, p);
    const message: Message = {
      message_id: state.nextMessageId++,
      from: clone(this.botUser),
      chat: state.chat,
      date: nowSeconds(),
    };
    const thread = int(p.message_thread_id);
    if (thread !== undefined) {
      message.message_thread_id = thread;
      if (state.chat.type === 'supergroup' && state.chat.is_forum) message.is_topic_message = true;
    }
    if (reply) message.reply_to_message = this.asReply(reply);
    Object.assign(message, content);
    if (markup) message.reply_markup = markup;
    state.messages.set(message.message_id, message);
    return clone(message);
  }

  private sendMessage(p: Json): Outcome {
    const state = this.targetChat(p);
    if (p.text === undefined || p.text === null) throw badRequest('message text is empty');
    const { text, entities } = this.formatted(p.text, p.parse_mode, p.entities);
    if (text === '') throw badRequest('message text is empty');
    if (codePoints(text) > 4096) throw badRequest('message is too long');
    const markup = this.inlineMarkup(p.reply_markup);
    return { result: this.botMessage(state, p, { text, ...(entities ? { entities } : {}) }, markup) };
  }

  private editTarget(p: Json): { state: ChatState; message: Message } {
    if (p.inline_message_id !== undefined && p.chat_id === undefined) throw badRequest('MESSAGE_ID_INVALID');
    const state = this.targetChat(p);
    const id = int(p.message_id);
    if (id === undefined) throw badRequest('message identifier is not specified');
    const message = state.messages.get(id);
    if (!message) throw badRequest('message to edit not found');
    if (message.from?.id !== this.botUser.id) throw badRequest("message can't be edited");
    return { state, message };
  }

  private editMessageText(p: Json): Outcome {
    const { message } = this.editTarget(p);
    if (message.text === undefined) throw badRequest('there is no text in the message to edit');
    const { text, entities } = this.formatted(p.text, p.parse_mode, p.entities);
    if (text === '') throw badRequest('message text is empty');
    if (codePoints(text) > 4096) throw badRequest('message is too long');
    const markup = this.inlineMarkup(p.reply_markup);
    if (
      text === message.text &&
      sameJson(entities, message.entities) &&
      sameJson(markup, message.reply_markup)
    ) {
      throw badRequest(NOT_MODIFIED);
    }
    message.text = text;
    if (entities) message.entities = entities;
    else delete message.entities;
    if (markup) message.reply_markup = markup;
    else delete message.reply_markup;
    message.edit_date = nowSeconds();
    return { result: clone(message) };
  }

  private editMessageCaption(p: Json): Outcome {
    const { message } = this.editTarget(p);
    if (message.text !== undefined) throw badRequest('there is no caption in the message to edit');
    const { text, entities } = this.formatted(p.caption ?? '', p.parse_mode, p.caption_entities);
    if (codePoints(text) > 1024) throw badRequest('message caption is too long');
    const markup = this.inlineMarkup(p.reply_markup);
    if (
      text === (message.caption ?? '') &&
      sameJson(entities, message.caption_entities) &&
      sameJson(markup, message.reply_markup)
    ) {
      throw badRequest(NOT_MODIFIED);
    }
    if (text) message.caption = text;
    else delete message.caption;
    if (entities) message.caption_entities = entities;
    else delete message.caption_entities;
    if (markup) message.reply_markup = markup;
    else delete message.reply_markup;
    message.edit_date = nowSeconds();
    return { result: clone(message) };
  }

  private editMessageReplyMarkup(p: Json): Outcome {
    const { message } = this.editTarget(p);
    const markup = this.inlineMarkup(p.reply_markup);
    if (sameJson(markup, message.reply_markup)) throw badRequest(NOT_MODIFIED);
    if (markup) message.reply_markup = markup;
    else delete message.reply_markup;
    return { result: clone(message) };
  }

  private deleteMessage(p: Json): Outcome {
    const state = this.targetChat(p);
    const id = int(p.message_id);
    const message = id === undefined ? undefined : state.messages.get(id);
    if (id === undefined || !message) throw badRequest('message to delete not found');
    if (message.from?.id !== this.botUser.id && state.chat.type !== 'private') {
      throw badRequest("message can't be deleted");
    }
    state.messages.delete(id);
    return { result: true };
  }

  private answerCallbackQuery(p: Json): Outcome {
    const id = str(p.callback_query_id) ?? '';
    const query = this.callbackQueries.get(id);
    if (!query || query.answer) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    const answer: Json = {};
    for (const key of ['text', 'show_alert', 'url', 'cache_time'])
      if (p[key] !== undefined) answer[key] = p[key];
    query.answer = answer;
    return { result: true };
  }

  private sendChatAction(p: Json): Outcome {
    this.targetChat(p);
    if (!CHAT_ACTIONS.has(str(p.action) ?? '')) throw badRequest('wrong parameter action in request');
    return { result: true };
  }

  private commandKey(scope: unknown, languageCode: string | undefined): string {
    const s = isRecord(scope) ? scope : { type: 'default' };
    return `${JSON.stringify(Object.fromEntries(Object.entries(s).sort()))}|${languageCode ?? ''}`;
  }

  private setMyCommands(p: Json): Outcome {
    const commands = obj(p.commands);
    if (!Array.isArray(commands)) throw badRequest('parameter "commands" is required');
    if (commands.length > 100) throw badRequest('too many commands specified');
    const list: BotCommand[] = [];
    for (const c of commands) {
      if (!isRecord(c)) throw badRequest("can't parse BotCommand: BotCommand must be an Object");
      const command = str(c.command) ?? '';
      const description = str(c.description) ?? '';
      if (!/^[a-z0-9_]{1,32}$/.test(command.replace(/^\//, ''))) throw badRequest('BOT_COMMAND_INVALID');
      if (description.trim() === '' || description.length > 256)
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      list.push({ command: command.replace(/^\//, ''), description });
    }
    const key = this.commandKey(obj(p.scope), str(p.language_code));
    if (list.length === 0) this.commandSets.delete(key);
    else this.commandSets.set(key, list);
    return { result: true };
  }

  /** A `ChatMember` of the status, with the fields the Bot API sends for it. */
  private member(user: User, status: MemberStatus): ChatMember {
    const u = clone(user);
    switch (status) {
      case 'creator':
        return { status, user: u, is_anonymous: false };
      case 'administrator':
        return {
          status,
          user: u,
          can_be_edited: false,
          is_anonymous: false,
          can_manage_chat: true,
          can_delete_messages: true,
          can_manage_video_chats: true,
          can_restrict_members: true,
          can_promote_members: false,
          can_change_info: true,
          can_invite_users: true,
          can_post_stories: false,
          can_edit_stories: false,
          can_delete_stories: false,
          can_pin_messages: true,
          can_send_welcome_messages: false,
        };
      case 'restricted':
        return {
          status,
          user: u,
          is_member: true,
          can_send_messages: false,
          can_send_audios: false,
          can_send_documents: false,
          can_send_photos: false,
          can_send_videos: false,
          can_send_video_notes: false,
          can_send_voice_notes: false,
          can_send_polls: false,
          can_send_other_messages: false,
          can_add_web_page_previews: false,
          can_react_to_messages: false,
          can_change_info: false,
          can_invite_users: false,
          can_edit_tag: false,
          can_pin_messages: false,
          can_manage_topics: false,
          until_date: 0,
        };
      case 'kicked':
        return { status, user: u, until_date: 0 };
      default:
        return { status, user: u };
    }
  }

  private getChatMember(p: Json): Outcome {
    const state = this.targetChat(p);
    const userId = int(p.user_id);
    if (userId === undefined || userId <= 0) throw badRequest('invalid user_id specified');
    const user = this.users.get(userId);
    if (!user) throw badRequest('user not found');
    let status: MemberStatus;
    if (state.chat.type === 'private') {
      status = userId === state.chat.id || userId === this.botUser.id ? 'member' : 'left';
    } else {
      status = state.members.get(userId) ?? (userId === this.botUser.id ? 'member' : 'left');
    }
    return { result: this.member(user, status) };
  }

  private leaveChat(p: Json): Outcome {
    const state = this.targetChat(p);
    if (state.chat.type === 'private')
      throw badRequest("chat member status can't be changed in private chats");
    const before = state.members.get(this.botUser.id) ?? 'member';
    state.botLeft = true;
    state.members.set(this.botUser.id, 'left');
    state.forbidden = `Forbidden: bot is not a member of the ${state.chat.type === 'supergroup' ? 'supergroup' : 'group'} chat`;
    this.queue({
      my_chat_member: {
        chat: clone(state.chat),
        from: clone(this.botUser),
        date: nowSeconds(),
        old_chat_member: this.member(this.botUser, before),
        new_chat_member: this.member(this.botUser, 'left'),
      },
    } as Omit<Update, 'update_id'>);
    return { result: true };
  }

  private getFile(p: Json): Outcome {
    const file = this.files.get(str(p.file_id) ?? '');
    if (!file) throw badRequest('invalid file_id');
    if (file.size > this.downloadLimitBytes) throw badRequest('file is too big');
    return {
      result: {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.size,
        file_path: file.file_path,
      },
    };
  }

  private randomId(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }

  private storeFile(
    bytes: Buffer,
    options: { mime?: string; fileName?: string; size?: number; folder?: string },
  ): StoredFile {
    const n = ++this.counter;
    const folder = options.folder ?? (options.mime?.startsWith('image/') ? 'photos' : 'documents');
    const ext =
      extOf(options.fileName) ||
      Object.entries(MIME_BY_EXT).find(([, m]) => m === options.mime)?.[0] ||
      'dat';
    const prefix =
      folder === 'photos' ? 'AgACAgIAAxkBAAI' : folder === 'videos' ? 'BAACAgIAAxkBAAI' : 'BQACAgIAAxkBAAI';
    const file: StoredFile = {
      file_id: `${prefix}${n.toString(36)}${this.randomId(42)}`,
      file_unique_id: `AgAD${n.toString(36)}${this.randomId(9)}`,
      file_path: `${folder}/file_${n}.${ext}`,
      bytes: Buffer.from(bytes),
      size: options.size ?? bytes.length,
    };
    if (options.mime !== undefined) file.mime = options.mime;
    if (options.fileName !== undefined) file.fileName = options.fileName;
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return file;
  }

  private photoSizes(bytes: Buffer, width: number, height: number): PhotoSize[] {
    const sizes = [90, 320].map((side, index) => {
      const scale = Math.min(1, side / Math.max(width, height, 1));
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      const thumb = this.storeFile(makePng(w, h, 200 + index), { mime: 'image/png', folder: 'photos' });
      return {
        file_id: thumb.file_id,
        file_unique_id: thumb.file_unique_id,
        file_size: thumb.size,
        width: w,
        height: h,
      };
    });
    const large = this.storeFile(bytes, { mime: imageMime(bytes) ?? 'image/jpeg', folder: 'photos' });
    return [
      ...sizes,
      { file_id: large.file_id, file_unique_id: large.file_unique_id, file_size: large.size, width, height },
    ];
  }

  /** The file a media parameter names: an upload, a known file_id, or a fetched URL. */
  private async mediaInput(
    kind: MediaKind,
    p: Json,
    call: CallEntry,
  ): Promise<{ bytes: Buffer; fileName?: string; contentType?: string } | StoredFile> {
    const part = call.uploads[kind];
    const value = p[kind];
    if (part) {
      if (part.data.length > this.uploadLimitBytes) throw new ApiError(413, 'Request Entity Too Large');
      if (part.data.length === 0) throw badRequest('file must be non-empty');
      return {
        bytes: part.data,
        ...(part.filename !== undefined ? { fileName: part.filename } : {}),
        ...(part.contentType !== undefined ? { contentType: part.contentType } : {}),
      };
    }
    const ref = str(value);
    if (ref === undefined || ref === '') throw badRequest(`there is no ${kind} in the request`);
    if (ref.startsWith('attach://')) throw badRequest('wrong file identifier/HTTP URL specified');
    const known = this.files.get(ref);
    if (known) return known;
    if (!/^https?:\/\//i.test(ref)) throw badRequest('wrong file identifier/HTTP URL specified');
    let response: Response;
    try {
      response = await fetch(ref, {
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(15_000)]),
      });
    } catch {
      throw badRequest('failed to get HTTP URL content');
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (!response.ok || bytes.length === 0 || bytes.length > 20 * MB)
      throw badRequest('failed to get HTTP URL content');
    const contentType = response.headers.get('content-type') ?? undefined;
    if (contentType?.startsWith('text/html')) throw badRequest('wrong type of the web page content');
    const fileName = decodeURIComponent(new URL(ref).pathname.split('/').pop() ?? '');
    return { bytes, ...(fileName ? { fileName } : {}), ...(contentType ? { contentType } : {}) };
  }

  private async sendMedia(kind: MediaKind, p: Json, call: CallEntry): Promise<Outcome> {
    const state = this.targetChat(p);
    const input = await this.mediaInput(kind, p, call);
    const caption = this.formatted(p.caption ?? '', p.parse_mode, p.caption_entities);
    if (codePoints(caption.text) > 1024) throw badRequest('message caption is too long');
    const markup = this.inlineMarkup(p.reply_markup);
    const content: Partial<Message> = {};
    if (kind === 'photo') {
      if ('file_path' in input) {
        const dims = imageSize(input.bytes) ?? { width: 0, height: 0 };
        content.photo = [
          { file_id: input.file_id, file_unique_id: input.file_unique_id, file_size: input.size, ...dims },
        ];
      } else {
        const dims = imageSize(input.bytes);
        if (!dims) throw badRequest('IMAGE_PROCESS_FAILED');
        content.photo = this.photoSizes(input.bytes, dims.width, dims.height);
      }
    } else {
      const fileName = input.fileName ?? (kind === 'video' ? 'video.mp4' : 'document.dat');
      const declared = 'file_path' in input ? input.mime : input.contentType;
      const mime =
        MIME_BY_EXT[extOf(fileName)] ??
        (declared && declared !== 'application/octet-stream' ? declared : undefined) ??
        (kind === 'video' ? 'video/mp4' : 'application/octet-stream');
      const file =
        'file_path' in input
          ? input
          : this.storeFile(input.bytes, {
              mime,
              fileName,
              folder: kind === 'video' ? 'videos' : 'documents',
            });
      if (kind === 'video') {
        const probed = probeMp4(file.bytes);
        const width = int(p.width) ?? probed?.width ?? 0;
        const height = int(p.height) ?? probed?.height ?? 0;
        const video: Video = {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          width,
          height,
          duration: int(p.duration) ?? probed?.duration ?? 0,
          file_name: fileName,
          mime_type: mime,
          file_size: file.size,
        };
        if (width > 0 && height > 0) {
          const scale = Math.min(1, 320 / Math.max(width, height));
          const w = Math.max(1, Math.round(width * scale));
          const h = Math.max(1, Math.round(height * scale));
          const thumb = this.storeFile(makePng(w, h, 77), { mime: 'image/png', folder: 'thumbnails' });
          video.thumbnail = {
            file_id: thumb.file_id,
            file_unique_id: thumb.file_unique_id,
            file_size: thumb.size,
            width: w,
            height: h,
          };
        }
        content.video = video;
      } else {
        content.document = {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          file_name: fileName,
          mime_type: mime,
          file_size: file.size,
        };
      }
    }
    if (caption.text !== '') {
      content.caption = caption.text;
      if (caption.entities) content.caption_entities = caption.entities;
    }
    if (bool(p.has_spoiler) && kind !== 'document') content.has_media_spoiler = true;
    if (bool(p.show_caption_above_media) && kind !== 'document') content.show_caption_above_media = true;
    return { result: this.botMessage(state, p, content, markup) };
  }
}
