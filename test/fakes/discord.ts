import { createHash, createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIApplicationCommand,
  APIAttachment,
  APIChatInputApplicationCommandInteraction,
  APIMessage,
  APIMessageComponentButtonInteraction,
  APIUser,
} from 'discord.js';
import { type WebSocket, WebSocketServer } from 'ws';
import { waitFor } from '../helpers/wait.js';
import { type FakeHandlerContext, FakeServer, type RecordedRequest } from './server.js';

/**
 * A loopback Discord (API v10): REST on `FakeServer`, the gateway on a `ws` server. discord.js:
 * `new Client({ intents, rest: { api: fake.apiUrl } }).login(token)`; bare REST:
 * `new REST({ api: fake.apiUrl }).setToken(token)`.
 *
 * Gateway: discord.js logs in with one `GET /api/v10/gateway/bot`, then opens
 * `${url}?v=10&encoding=json` (no `compress`: zlib-sync isn't installed). HELLO → IDENTIFY →
 * READY (s=1, known guilds listed unavailable) → a GUILD_CREATE per guild if the Guilds intent is
 * set (as on Discord; without it discord.js readies at once). op 1 → op 11. RESUME of a session
 * whose socket closed with anything but 1000/1001 replays what it missed + RESUMED; otherwise op 9.
 * Closes: 4004 bad token, 4013 bad intents, 4014 privileged intents not in `privilegedIntents`,
 * 4003 not identified, 4005 identified twice, 4001 unknown op, 4002 bad JSON, 4012 not v10, 4010
 * bad `shard`.
 *
 * Shards: `GET /gateway/bot` recommends `recommendedShards` (default 1) with `max_concurrency`
 * `maxConcurrency` (default 1; @discordjs/ws then IDENTIFYs one shard per 5 s). Each session keeps
 * its IDENTIFY's `shard: [id, count]` (none: [0, 1]). As on Discord, a guild's events (its
 * interactions, GUILD_CREATE, CHANNEL_CREATE, its entry in READY) go only to the sessions of shard
 * `shardOf(guild_id, count)` = `(guild_id >> 22) % count`, DMs only to shard 0; `dispatch()` still
 * goes to every session.
 *
 * REST under `/api/v10` (JSON, or multipart `payload_json` + `files[n]`), by record kind:
 * `gateway` GET /gateway/bot · `application` GET [/oauth2]/applications/@me · `commands` GET|PUT
 * /applications/{app}[/guilds/{g}]/commands (bulk overwrite; same names keep their ids; checked as
 * Discord does: names, descriptions, `default_member_permissions` a decimal bitfield string,
 * `contexts`, options (see `checkOptions`); like an old client, the fake never hides a command from
 * members lacking its `default_member_permissions`: the bot must check at run time) ·
 * `callback` POST /interactions/{id}/{token}/callback (4 reply, 5 defer, 6 deferred update, 7
 * update, 9 modal; 8 autocomplete result, the only answer to an `autocomplete()` interaction;
 * `?with_response=true` → 200 `{interaction, resource}`, else 204) ·
 * `webhook-edit|-get|-delete` PATCH|GET|DELETE /webhooks/{app}/{token}/messages/{@original|id} ·
 * `followup` POST /webhooks/{app}/{token} (while a deferred reply still "thinks", the follow-up
 * fills it, as on Discord) · `channel` GET /channels/{id} · `channel-message` POST
 * /channels/{id}/messages, GET|PATCH|DELETE …/messages/{mid} · `cdn` GET|HEAD
 * /ephemeral-attachments/{app}/{id}/{name} (`attachment()`) and /attachments/{channel}/{id}/{name}
 * (uploads), only with their signed `?ex=&is=&hm=` before `ex` (else 404 "This content is no
 * longer available.") · `refresh-urls` POST /attachments/refresh-urls `{attachment_urls}` (1–50
 * URLs, else 400 50035) → 200 `{refreshed_urls: [{original, refreshed}]}`: one entry per URL
 * whose path the fake serves (query, signature and expiry ignored), `refreshed` signed anew on
 * `now` like any CDN URL; the fake's reading, as Discord doesn't say: URLs of deleted attachments
 * and ones it never served are left out, not errors · `unauthorized` (bot routes without
 * `Authorization: Bot <token>`; note @discordjs/rest forgets its token on a 401) · `not-found`.
 * Answers carry `x-ratelimit-*` headers.
 *
 * Errors as Discord's `{message, code[, errors]}`: 10062 Unknown interaction (bad id/token,
 * expired, or first callback later than `responseDeadlineMs` on the `now` clock), 40060 already
 * acknowledged, 401 50027 Invalid Webhook Token (unknown token, 15 min after the interaction, or
 * `expireToken()`), 10015 Unknown Webhook (wrong app, or no callback yet), 10008, 10003, 50001
 * (bot posting into a private channel it isn't in: `dm(user, {botMember: false})`), 50005, 50006
 * empty message, 50035 Invalid Form Body (content > 2000, > 10 embeds, unknown attachment ids, bad
 * command names, unknown message_reference, `attachment_urls` not 1–50 absolute URLs), 413 40005
 * for a file over the per-file limit (the interaction's `attachment_size_limit`,
 * `attachmentSizeLimit` for channel posts) or files over max(25 MiB, limit). Edits merge: omitted
 * fields stay; `attachments` lists what stays (by id) and which `files[n]` to add (`{id: n}`);
 * without it, old ones stay and uploads are added. Deferred replies carry flags 128 (loading) until
 * their first edit. Filenames are sanitised (`[^\w.-]`→_).
 *
 * Driving: `user()`, `guild()`, `channel(guildId?)`, `role(guildId, name)`, `dm(user)`,
 * `attachment(bytes, {filename})`, `command({name, user, channelId, options, member})` and
 * `press(message, customId, user, {member})`, `autocomplete({…command, focused})` (guild interactions carry `member` with `roles` and
 * `permissions`, a decimal bitfield, default `DEFAULT_MEMBER_PERMISSIONS`; DMs carry `user` and no
 * `guild_id`; user, role and channel options carry ids, the objects in `data.resolved` as Discord
 * sends them: users and partial members, roles, partial channels) (dispatch
 * INTERACTION_CREATE and return it; they throw without a gateway session: `await waitForReady()`),
 * `dispatch(t, d)`, `disconnect(code)`, `failNext(kind | 'any', fault, {times, retryAfter,
 * global})`, `expireToken(token)`, `expireAttachments()` (every CDN URL handed out so far 404s;
 * `refresh-urls` gives working ones), `deleteAttachment(urlOrId)` (its bytes are gone: 404 for any
 * signature, left out of `refresh-urls`), `now` (moving it past `cdnTtlMs` expires CDN URLs too,
 * and interaction tokens with them). Inspecting: `calls(kind?)`, `callbacks(id)`,
 * `original(token)`, `followups(token)`, `message(id)`, `channelMessages(channelId)` (ephemeral
 * ones too), `allowedMentions(id)`, `commands(guildId?)`, `sessions()` (with each one's `shard` and
 * the `interactions` it was sent), `fileBytes(url)`,
 * `waitForReady()`, `waitForCall()`, `waitForOriginal()`, `waitForMessage()`. FakeServer's
 * `hold`/`inject` work by kind too (before the auth check). `close()` drops sockets, stops servers.
 */

const MiB = 1024 * 1024;
const EPHEMERAL = 64;
const LOADING = 128;
/** Flags a message may be created with: suppress embeds, ephemeral, silent, components v2. */
const CREATE_FLAGS = 4 | EPHEMERAL | 4096 | 32768;
const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);
/** View, send, reactions, embed, attach, history, external emojis, use commands, send in threads. */
export const DEFAULT_APP_PERMISSIONS = String(
  [6n, 10n, 11n, 14n, 15n, 16n, 18n, 31n, 38n].reduce((bits, bit) => bits | (1n << bit), 0n),
);
/** A plain member's permissions: the app's defaults (no Manage Server, no Administrator). */
export const DEFAULT_MEMBER_PERMISSIONS = DEFAULT_APP_PERMISSIONS;
/** The option types of a command definition. */
const OPTION_TYPE = { subcommand: 1, group: 2, string: 3, user: 6, channel: 7, role: 8, mentionable: 9 };
/** The interaction contexts a command may list: guild, bot DM, private channel. */
const CONTEXTS = [0, 1, 2];
/** The option and command names Discord takes (chat input: lower case). */
const NAME_RULE = /^[-_'\p{L}\p{N}]{1,32}$/u;
/** The harness's token; its first segment is the bot id in base64, as in real tokens. */
export const FAKE_DISCORD_TOKEN = 'MTA5ODc2NTQzMjEwOTg3NjU0.Gx1y2z.discord-secret-token-value';

export interface FakeDiscordOptions {
  token: string;
  /** Defaults to the bot's id (from the token when it encodes one). */
  applicationId?: string;
  botUsername?: string;
  heartbeatIntervalMs?: number;
  /** Default `attachment_size_limit`, and the per-file limit of channel posts; 10 MiB. */
  attachmentSizeLimit?: number;
  /** Privileged intents the app may use (GuildMembers 2, GuildPresences 256, MessageContent 32768). */
  privilegedIntents?: number;
  /** Time for an interaction's first callback; 3000. */
  responseDeadlineMs?: number;
  /** The `shards` `GET /gateway/bot` recommends; 1. */
  recommendedShards?: number;
  /** The `session_start_limit.max_concurrency` it says: shards that may IDENTIFY at once; 1. */
  maxConcurrency?: number;
}

/** The shard Discord sends a guild's events to: `(guild_id >> 22) % count`. */
export const shardOf = (guildId: string, count: number): number =>
  Number((BigInt(guildId) >> 22n) % BigInt(count));

export interface FilePart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** One REST or CDN request as the fake saw it. */
export interface DiscordCall {
  kind: string;
  method: string;
  /** Path after `/api/v10` (CDN paths as they are). */
  path: string;
  query: URLSearchParams;
  /** The JSON body, or multipart `payload_json` (other text fields merged in). */
  json: unknown;
  files: FilePart[];
  authorization?: string;
  at: number;
  /** HTTP status answered; 0 while held, or when a FakeServer `inject` fault answered it. */
  status: number;
  response?: unknown;
}

/**
 * `invalid-webhook-token` (401 50027), `too-large` (413 40005), `unknown-interaction` (404 10062),
 * `missing-access` (403 50001), `missing-permissions` (403 50013), `server-error` (500), `rate-limit`.
 */
export type DiscordFault = keyof typeof FAULTS | 'rate-limit';

export interface CommandOption {
  name: string;
  type: number;
  /**
   * For attachment options (type 11): the attachment from `attachment()`. For user (6), channel (7)
   * and role (8) options: the id of a `user()`, `channel()` or `role()`, resolved as Discord does.
   */
  value?: string | number | boolean | APIAttachment;
  options?: CommandOption[];
}

/** What Discord says of the member in a guild interaction (`member.roles`, `member.permissions`). */
export interface MemberOptions {
  /** Role ids (from `role()`); default none. */
  roles?: string[];
  /** The member's permissions in the channel, a bitfield as a decimal string; default `DEFAULT_MEMBER_PERMISSIONS`. */
  permissions?: string;
}

export interface InteractionOptions {
  /** The interaction's `attachment_size_limit`; default `attachmentSizeLimit`. */
  attachmentSizeLimit?: number;
  appPermissions?: string;
  locale?: string;
  /** The member's roles and permissions, in a guild. */
  member?: MemberOptions;
}

export interface CommandOptions extends InteractionOptions {
  name: string;
  user: APIUser;
  channelId: string;
  /** Checked against the channel's guild. */
  guildId?: string;
  options?: CommandOption[];
}

export interface GatewaySessionInfo {
  sessionId: string;
  intents: number;
  identify: Record<string, unknown>;
  /** The IDENTIFY's `[shard id, shard count]`; [0, 1] when it had none. */
  shard: [number, number];
  /** Ids of the interactions sent to this session, oldest first. */
  interactions: string[];
  seq: number;
  connected: boolean;
}

type Json = Record<string, unknown>;
type InteractOptions = InteractionOptions & { message?: Json };
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
type Stored = { message: Json; allowedMentions?: unknown };

interface RoleState {
  id: string;
  name: string;
  permissions: string;
}

interface GuildState {
  id: string;
  name: string;
  channelIds: string[];
  roles: RoleState[];
}

interface ChannelState {
  id: string;
  name: string;
  guildId?: string;
  recipient?: APIUser;
  botMember: boolean;
  ids: string[];
}

interface Session {
  id: string;
  socket: WebSocket | undefined;
  seq: number;
  intents: number;
  identify: Json;
  shard: [number, number];
  interactions: string[];
  log: Json[];
}

interface InteractionState {
  id: string;
  token: string;
  kind: 2 | 3 | 4;
  payload: Json;
  channelId: string;
  createdAt: number;
  sizeLimit: number;
  followupIds: string[];
  expired?: boolean;
  response?: number;
  originalId?: string;
  componentMessageId?: string;
}

class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Json,
  ) {
    super(message);
  }
}

const err = (status: number, code: number, message: string) => () => new DiscordError(status, code, message);
const unknownMessage = err(404, 10008, 'Unknown Message');
const unknownWebhook = err(404, 10015, 'Unknown Webhook');
const unknownInteraction = err(404, 10062, 'Unknown interaction');
const invalidToken = err(401, 50027, 'Invalid Webhook Token');
const tooLarge = err(413, 40005, 'Request entity too large');
const missingAccess = err(403, 50001, 'Missing Access');
const FAULTS = {
  'invalid-webhook-token': invalidToken,
  'too-large': tooLarge,
  'unknown-interaction': unknownInteraction,
  'missing-access': missingAccess,
  'missing-permissions': err(403, 50013, 'Missing Permissions'),
  'server-error': err(500, 0, '500: Internal Server Error'),
};

/** 400 50035 with `errors` nested along `path` (`attachments.0.id`), as Discord reports them. */
function formError(path: string, code: string, message: string): DiscordError {
  let errors: Json = { _errors: [{ code, message }] };
  for (const key of path.split('.').reverse()) errors = { [key]: errors };
  return new DiscordError(400, 50035, 'Invalid Form Body', errors);
}

const HOOK = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/(@original|\d+)$/;
/** Handlers by method, path (after `/api/v10`), record kind and whether the bot token is needed. */
const ROUTES = [
  ['GET', /^\/gateway\/bot$/, 'gateway', true, 'gatewayBot'],
  ['GET', /^\/(?:oauth2\/)?applications\/@me$/, 'application', true, 'applicationRoute'],
  ['GET PUT', /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/, 'commands', true, 'commandsRoute'],
  ['POST', /^\/interactions\/(\d+)\/([^/]+)\/callback$/, 'callback', false, 'callback'],
  ['PATCH', HOOK, 'webhook-edit', false, 'webhookMessage'],
  ['GET', HOOK, 'webhook-get', false, 'webhookMessage'],
  ['DELETE', HOOK, 'webhook-delete', false, 'webhookMessage'],
  ['POST', /^\/webhooks\/(\d+)\/([^/]+)$/, 'followup', false, 'followup'],
  ['GET', /^\/channels\/(\d+)$/, 'channel', true, 'channelRoute'],
  ['POST', /^\/channels\/(\d+)\/messages$/, 'channel-message', true, 'postMessage'],
  ['GET PATCH DELETE', /^\/channels\/(\d+)\/messages\/(\d+)$/, 'channel-message', true, 'channelMessage'],
  ['POST', /^\/attachments\/refresh-urls$/, 'refresh-urls', true, 'refreshUrls'],
] as const;

/** An IDENTIFY's `shard`: none is [0, 1]; undefined when it is no `[id, count]` with 0 ≤ id < count. */
function identifyShard(shard: unknown): [number, number] | undefined {
  if (shard === undefined || shard === null) return [0, 1];
  if (!Array.isArray(shard) || shard.length !== 2 || !shard.every((n) => Number.isInteger(n)))
    return undefined;
  const [id, count] = shard as [number, number];
  return count >= 1 && id >= 0 && id < count ? [id, count] : undefined;
}

/** Whether a session of `shard` gets a guild's events (DMs, no guild: shard 0's). */
const serves = ([id, count]: [number, number], guildId: string | undefined): boolean =>
  guildId === undefined ? id === 0 : shardOf(guildId, count) === id;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asRecord = (v: unknown): Json => (isRecord(v) ? v : {});
const clone = <T>(v: T): T => structuredClone(v);
const ok = (body: unknown, status = 200): Answer => ({ status, body });
const iso = (ms: number): string => new Date(ms).toISOString();
const sanitizeFilename = (name: string): string => name.replace(/[^\w.-]/g, '_') || 'unknown';
/** The path after `/api/v10`; discord-api-types' Routes send `@original` as `%40original`. */
const apiPath = (path: string) => /^\/api\/v10(\/.*)$/.exec(path)?.[1]?.replace(/%40/gi, '@');
const MIME: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };
Object.assign(MIME, { webp: 'image/webp', gif: 'image/gif', mp4: 'video/mp4', webm: 'video/webm' });

function contentTypeFor(declared: string | undefined, filename: string): string {
  if (declared && declared !== 'application/octet-stream') return declared;
  return MIME[/\.(\w+)$/.exec(filename)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** A content-disposition parameter, quoted (undici escapes `"`, CR, LF as %22 %0D %0A) or bare. */
function dispositionParam(value: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(value);
  if (!m) return undefined;
  const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '').trim();
  return raw.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
}

/** Lenient multipart/form-data: any header case, CRLF or LF, quoted or bare names. */
function parseMultipart(body: Buffer, type: string): { fields: Map<string, string>; files: FilePart[] } {
  const fields = new Map<string, string>();
  const files: FilePart[] = [];
  const b = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  const delimiter = Buffer.from(`--${b?.[1] ?? b?.[2]}`);
  for (let pos = b ? body.indexOf(delimiter) : -1; pos >= 0; ) {
    let start = pos + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d) start += 1;
    if (body[start] === 0x0a) start += 1;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 1] === 0x0a) end -= body[end - 2] === 0x0d ? 2 : 1;
    const part = body.subarray(start, Math.max(start, end));
    const crlf = part.indexOf('\r\n\r\n');
    const headerEnd = crlf >= 0 ? crlf : part.indexOf('\n\n');
    pos = next;
    if (headerEnd < 0) continue;
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /^content-disposition\s*:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = dispositionParam(disposition, 'name');
    const filename = dispositionParam(disposition, 'filename');
    const contentType = /^content-type\s*:(.*)$/im.exec(headers)?.[1]?.trim();
    const data = Buffer.from(part.subarray(headerEnd + (crlf >= 0 ? 4 : 2)));
    if (name !== undefined && filename !== undefined) {
      files.push({ name, filename, data, ...(contentType ? { contentType } : {}) });
    } else if (name !== undefined) fields.set(name, data.toString('utf8'));
  }
  return { fields, files };
}

function hasCustomId(node: unknown, id: string): boolean {
  if (Array.isArray(node)) return node.some((n) => hasCustomId(n, id));
  if (!isRecord(node)) return false;
  return node.custom_id === id || hasCustomId(node.components, id) || hasCustomId(node.accessory, id);
}

export class FakeDiscord {
  readonly server: FakeServer;
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  readonly attachmentSizeLimit: number;
  heartbeatIntervalMs: number;
  responseDeadlineMs: number;
  privilegedIntents: number;
  recommendedShards: number;
  maxConcurrency: number;
  /** The clock for token expiry, the response deadline, snowflakes, timestamps and CDN expiry. */
  now: () => number = () => Date.now();
  /** How long signed CDN URLs stay valid. */
  cdnTtlMs = 24 * 3_600_000;
  gatewayUrl = '';

  private readonly wss: WebSocketServer;
  private readonly entries = new WeakMap<RecordedRequest, DiscordCall>();
  private readonly users = new Map<string, APIUser>();
  private readonly guilds = new Map<string, GuildState>();
  private readonly channels = new Map<string, ChannelState>();
  private readonly messages = new Map<string, Stored>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly byToken = new Map<string, InteractionState>();
  private readonly cdn = new Map<string, { bytes: Buffer; contentType: string }>();
  private readonly commandSets = new Map<string, Json[]>();
  private readonly sessionMap = new Map<string, Session>();
  private readonly sockets = new Set<WebSocket>();
  /** Signs CDN URLs; `expireAttachments()` replaces it. */
  private cdnSecret = randomBytes(16);
  private faults: {
    kind: string;
    fault: DiscordFault;
    times: number;
    retryAfter: number;
    global: boolean;
  }[] = [];
  private lastSnowflake = 0n;
  private sessionStarts = 0;
  private closed = false;

  private constructor(options: FakeDiscordOptions) {
    this.token = options.token;
    const fromToken = Buffer.from(options.token.split('.')[0] ?? '', 'base64').toString('utf8');
    const id = /^\d{17,20}$/.test(fromToken) ? fromToken : this.snowflake();
    this.applicationId = options.applicationId ?? id;
    const username = options.botUsername ?? 'Reelay';
    this.botUser = { id, username, discriminator: '4821', global_name: null, avatar: null, bot: true };
    this.users.set(id, this.botUser);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    this.attachmentSizeLimit = options.attachmentSizeLimit ?? 10 * MiB;
    this.privilegedIntents = options.privilegedIntents ?? 0;
    this.responseDeadlineMs = options.responseDeadlineMs ?? 3_000;
    this.recommendedShards = options.recommendedShards ?? 1;
    this.maxConcurrency = options.maxConcurrency ?? 1;
    this.server = new FakeServer(
      (method, path) => this.classify(method, path),
      (ctx) => this.handle(ctx),
    );
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.wss.on('connection', (socket, req) => this.onConnection(socket, req.url ?? '/'));
  }

  static async start(options: FakeDiscordOptions): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await fake.server.start();
    if (!fake.wss.address()) await once(fake.wss, 'listening');
    fake.gatewayUrl = `ws://127.0.0.1:${(fake.wss.address() as AddressInfo).port}`;
    return fake;
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** The REST base for discord.js's `rest.api` (`DISCORD_API_URL`). */
  get apiUrl(): string {
    return `${this.server.baseUrl}/api`;
  }

  // -------------------------------------------------------------------------------------------
  // Driving API

  user(id?: string, username?: string): APIUser {
    const userId = id ?? this.snowflake();
    const existing = this.users.get(userId);
    if (existing && username === undefined) return clone(existing);
    const name = username ?? `user${this.users.size}`;
    const user: APIUser = { id: userId, username: name, discriminator: '0', global_name: name, avatar: null };
    this.users.set(userId, user);
    return clone(user);
  }

  /** A guild the bot is in (sessions with the Guilds intent get GUILD_CREATE). */
  guild(id?: string, name?: string): { id: string; name: string } {
    const guildId = id ?? this.snowflake();
    let guild = this.guilds.get(guildId);
    if (!guild) {
      guild = { id: guildId, name: name ?? `Guild ${this.guilds.size + 1}`, channelIds: [], roles: [] };
      this.guilds.set(guildId, guild);
      this.dispatchToGuildSessions(guildId, 'GUILD_CREATE', () => this.guildPayload(guildId));
    }
    return { id: guild.id, name: guild.name };
  }

  /** A guild text channel, in a new guild unless `guildId` names one. */
  channel(guildId?: string, name = 'general'): { id: string; guild_id: string; name: string } {
    const guild = this.guild(guildId);
    const channel: ChannelState = { id: this.snowflake(), name, guildId: guild.id, botMember: true, ids: [] };
    this.channels.set(channel.id, channel);
    this.guilds.get(guild.id)?.channelIds.push(channel.id);
    this.dispatchToGuildSessions(guild.id, 'CHANNEL_CREATE', () => this.channelPayload(channel));
    return { id: channel.id, guild_id: guild.id, name };
  }

  /** A role of a guild (for members' `roles` and role options); `permissions` a decimal bitfield. */
  role(guildId: string, name = 'role', permissions = '0'): { id: string; name: string } {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`FakeDiscord: unknown guild ${guildId}`);
    const role: RoleState = { id: this.snowflake(), name, permissions };
    guild.roles.push(role);
    return { id: role.id, name };
  }

  /**
   * A DM with `user`. `botMember: false` is a private channel of a user-installed app the bot
   * isn't in (interaction context 2): bot-token posts there get 403 50001.
   */
  dm(user: APIUser, options: { botMember?: boolean } = {}): { id: string; type: 1 } {
    const id = this.snowflake();
    this.channels.set(id, { id, name: '', recipient: user, botMember: options.botMember ?? true, ids: [] });
    return { id, type: 1 };
  }

  /** An attachment as Discord hands it to a bot: a signed, expiring CDN URL serving `bytes`. */
  attachment(
    bytes: Buffer,
    opts: { filename: string; contentType?: string; width?: number; height?: number; size?: number },
  ): APIAttachment {
    const id = this.snowflake();
    const filename = sanitizeFilename(opts.filename);
    const path = `/ephemeral-attachments/${this.applicationId}/${id}/${filename}`;
    const contentType = contentTypeFor(opts.contentType, filename);
    this.cdn.set(path, { bytes, contentType });
    const url = this.signedUrl(path);
    const att: APIAttachment = { id, filename, size: opts.size ?? bytes.length, url, proxy_url: url };
    Object.assign(att, { content_type: contentType, ephemeral: true });
    if (opts.width !== undefined) att.width = opts.width;
    if (opts.height !== undefined) att.height = opts.height;
    return att;
  }

  /** A user runs a slash command: dispatches INTERACTION_CREATE (type 2) and returns it. */
  command(opts: CommandOptions): APIChatInputApplicationCommandInteraction {
    const channel = this.channelState(opts.channelId);
    if (opts.guildId !== undefined && opts.guildId !== channel.guildId) {
      throw new Error(`FakeDiscord: channel ${channel.id} is not in guild ${opts.guildId}`);
    }
    const resolved: Record<'attachments' | 'users' | 'members' | 'roles' | 'channels', Json> = {
      attachments: {},
      users: {},
      members: {},
      roles: {},
      channels: {},
    };
    const convert = (o: CommandOption): Json => {
      const out: Json = { name: o.name, type: o.type };
      if (typeof o.value === 'object') resolved.attachments[o.value.id] = clone(o.value);
      else if (o.value !== undefined) this.resolveOption(o.type, String(o.value), channel, resolved);
      if (o.value !== undefined) out.value = typeof o.value === 'object' ? o.value.id : o.value;
      if (o.options) out.options = o.options.map(convert);
      return out;
    };
    const options = (opts.options ?? []).map(convert);
    const known = [...(channel.guildId ? this.commandList(channel.guildId) : []), ...this.commandList()];
    const registered = known.find((c) => c.name === opts.name && c.type === 1);
    const data: Json = { id: registered?.id ?? this.snowflake(), name: opts.name, type: 1 };
    if (options.length > 0) data.options = options;
    const used = Object.entries(resolved).filter(([, v]) => Object.keys(v).length > 0);
    if (used.length > 0) data.resolved = Object.fromEntries(used);
    if (registered?.guild_id !== undefined) data.guild_id = registered.guild_id;
    const payload = this.interact(2, data, opts.user, channel, opts);
    return payload as unknown as APIChatInputApplicationCommandInteraction;
  }

  /**
   * A user types in an autocomplete option: INTERACTION_CREATE type 4 (APPLICATION_COMMAND_AUTOCOMPLETE)
   * with the options filled so far, the one named `focused` marked `focused: true` with what was typed
   * as its string value. As Discord sends it, attachment options carry only their id and there is
   * no `data.resolved`. Answered with callback type 8 `{choices}` (see `suggestions()`).
   */
  autocomplete(opts: CommandOptions & { focused: string }): Json {
    const channel = this.channelState(opts.channelId);
    const convert = (o: CommandOption): Json => {
      const out: Json = { name: o.name, type: o.type };
      if (o.value !== undefined) out.value = typeof o.value === 'object' ? o.value.id : o.value;
      if (o.name === opts.focused) out.focused = true;
      if (o.options) out.options = o.options.map(convert);
      return out;
    };
    const known = [...(channel.guildId ? this.commandList(channel.guildId) : []), ...this.commandList()];
    const registered = known.find((c) => c.name === opts.name && c.type === 1);
    const data: Json = { id: registered?.id ?? this.snowflake(), name: opts.name, type: 1 };
    data.options = (opts.options ?? []).map(convert);
    return this.interact(4, data, opts.user, channel, opts);
  }

  /** The choices an autocomplete interaction was answered with (callback type 8), if any. */
  suggestions(interactionId: string): { name: string; value: string | number }[] | undefined {
    const answer = this.callbacks(interactionId).find((c) => asRecord(c.json).type === 8);
    const data = answer ? asRecord(asRecord(answer.json).data) : undefined;
    return data ? (data.choices as { name: string; value: string | number }[]) : undefined;
  }

  /** A user presses a button of a stored message (as it is now): INTERACTION_CREATE type 3. */
  press(
    message: APIMessage | string,
    customId: string,
    user: APIUser,
    opts: InteractionOptions = {},
  ): APIMessageComponentButtonInteraction {
    const id = typeof message === 'string' ? message : message.id;
    const stored = this.messages.get(id);
    if (!stored) throw new Error(`FakeDiscord: no message ${id}`);
    if (!hasCustomId(stored.message.components, customId)) {
      throw new Error(`FakeDiscord: message ${id} has no component "${customId}" now`);
    }
    const channel = this.channelState(String(stored.message.channel_id));
    const data = { custom_id: customId, component_type: 2 };
    const payload = this.interact(3, data, user, channel, { ...opts, message: clone(stored.message) });
    return payload as unknown as APIMessageComponentButtonInteraction;
  }

  /** Sends a dispatch to every gateway session (replayed on resume); returns how many got it. */
  dispatch(t: string, d: unknown): number {
    for (const session of this.sessionMap.values()) this.emit(session, t, d);
    return this.sessionMap.size;
  }

  /** Closes every gateway socket with `code`; the sessions stay resumable (unless 1000/1001). */
  disconnect(code = 4000): void {
    for (const socket of this.sockets) socket.close(code, 'Disconnected by the fake');
  }

  /**
   * The next `times` requests of `kind` (or `any`) get `fault`, after the auth check and before
   * anything else. `rate-limit`: 429 with `retry_after` (seconds, default 0.25) in the body, and
   * `Retry-After` and `X-RateLimit-*` headers; `global` adds X-RateLimit-Global.
   */
  failNext(
    kind: string,
    fault: DiscordFault,
    options: { times?: number; retryAfter?: number; global?: boolean } = {},
  ) {
    const { times = 1, retryAfter = 0.25, global = false } = options;
    this.faults.push({ kind, fault, times, retryAfter, global });
  }

  /** Invalidates an interaction token now (webhook routes → 401 50027, callback → 10062). */
  expireToken(token: string): void {
    const state = this.byToken.get(token);
    if (!state) throw new Error('FakeDiscord: unknown interaction token');
    state.expired = true;
  }

  /**
   * Every CDN URL handed out so far (attachments and uploads) stops working now, as if its `ex`
   * had passed, without moving `now` (which would also expire interaction tokens); the files stay,
   * so `refresh-urls` re-signs them.
   */
  expireAttachments(): void {
    this.cdnSecret = randomBytes(16);
  }

  /**
   * Deletes an attachment's bytes (by URL, any query, or by attachment id): its CDN path answers
   * 404 "This content is no longer available." for any signature, `refresh-urls` leaves it out and
   * `fileBytes` returns undefined. Messages that list it are left as they are.
   */
  deleteAttachment(urlOrId: string): void {
    const path = /^\d+$/.test(urlOrId)
      ? [...this.cdn.keys()].find((p) => p.split('/')[3] === urlOrId)
      : this.cdnPath(urlOrId);
    if (path === undefined || !this.cdn.delete(path)) {
      throw new Error(`FakeDiscord: no attachment ${urlOrId}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Inspecting

  /** Every request so far (optionally of one kind), parsed, oldest first. */
  calls(kind?: string): DiscordCall[] {
    const all = this.server.requests.map((r) => this.callFor(r));
    return all.filter((c) => kind === undefined || c.kind === kind).map((c) => ({ ...c }));
  }

  callbacks(interactionId: string): DiscordCall[] {
    return this.calls('callback').filter((c) => c.path.startsWith(`/interactions/${interactionId}/`));
  }

  /** The interaction's @original message as it is now (after defer, edits), if any. */
  original(token: string): APIMessage | undefined {
    const id = this.byToken.get(token)?.originalId;
    return id === undefined ? undefined : this.message(id);
  }

  followups(token: string): APIMessage[] {
    return (this.byToken.get(token)?.followupIds ?? []).flatMap((id) => this.message(id) ?? []);
  }

  message(id: string): APIMessage | undefined {
    const stored = this.messages.get(id);
    return stored ? (clone(stored.message) as unknown as APIMessage) : undefined;
  }

  channelMessages(channelId: string): APIMessage[] {
    return (this.channels.get(channelId)?.ids ?? []).flatMap((id) => this.message(id) ?? []);
  }

  allowedMentions(messageId: string): unknown {
    return clone(this.messages.get(messageId)?.allowedMentions);
  }

  commands(guildId?: string): APIApplicationCommand[] {
    return clone(this.commandList(guildId)) as unknown as APIApplicationCommand[];
  }

  sessions(): GatewaySessionInfo[] {
    return [...this.sessionMap.values()].map(
      ({ id, intents, identify, shard, interactions, seq, socket }) => {
        const connected = socket !== undefined;
        return {
          sessionId: id,
          intents,
          identify: clone(identify),
          shard: [...shard],
          interactions: [...interactions],
          seq,
          connected,
        };
      },
    );
  }

  /** The bytes behind a CDN URL (an upload or an `attachment()`), signature not checked. */
  fileBytes(url: string): Buffer | undefined {
    const path = this.cdnPath(url);
    return path === undefined ? undefined : this.cdn.get(path)?.bytes;
  }

  waitForReady(timeoutMs = 10_000): Promise<GatewaySessionInfo> {
    const find = () => this.sessions().find((s) => s.connected);
    return waitFor(find, { timeoutMs, intervalMs: 10, what: 'a READY gateway session' });
  }

  /** The first answered call of `kind` matching `predicate` (past or future). */
  waitForCall(
    kind: string,
    predicate?: (c: DiscordCall) => boolean,
    timeoutMs = 10_000,
  ): Promise<DiscordCall> {
    const find = () => this.calls(kind).find((c) => c.status !== 0 && (!predicate || predicate(c)));
    return waitFor(find, { timeoutMs, intervalMs: 10, what: `a ${kind} call` });
  }

  waitForOriginal(token: string, predicate: (m: APIMessage) => boolean = () => true, timeoutMs = 10_000) {
    const find = () => [this.original(token)].find((m) => m !== undefined && predicate(m));
    return waitFor(find, { timeoutMs, intervalMs: 10, what: 'the @original message' });
  }

  waitForMessage(channelId: string, predicate: (m: APIMessage) => boolean = () => true, timeoutMs = 10_000) {
    const find = () => this.channelMessages(channelId).find(predicate);
    return waitFor(find, { timeoutMs, intervalMs: 10, what: `a message in channel ${channelId}` });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.server.close();
  }

  // -------------------------------------------------------------------------------------------
  // Gateway

  private onConnection(socket: WebSocket, rawUrl: string) {
    const query = new URL(rawUrl, 'ws://fake').searchParams;
    if (query.get('v') !== '10') return socket.close(4012, 'Invalid API version');
    if (query.get('encoding') !== 'json') return socket.close(4002, 'Error while decoding payload.');
    this.sockets.add(socket);
    let session: Session | undefined;
    const send = (op: number, d: unknown): void => socket.send(JSON.stringify({ op, s: null, t: null, d }));
    send(10, { heartbeat_interval: this.heartbeatIntervalMs });
    socket.on('close', (code) => {
      this.sockets.delete(socket);
      if (session?.socket !== socket) return;
      session.socket = undefined;
      if (code === 1000 || code === 1001) this.sessionMap.delete(session.id);
    });
    socket.on('message', (raw) => {
      let frame: Json;
      try {
        frame = asRecord(JSON.parse(String(raw)));
      } catch {
        return socket.close(4002, 'Error while decoding payload.');
      }
      const d = asRecord(frame.d);
      if (frame.op === 1) return send(11, null);
      if (frame.op === 6) {
        const old = this.sessionMap.get(String(d.session_id));
        if (session || d.token !== this.token || !old || old.socket) return send(9, false);
        session = old;
        old.socket = socket;
        for (const f of old.log) if (Number(f.s) > Number(d.seq ?? 0)) socket.send(JSON.stringify(f));
        return this.emit(old, 'RESUMED', {});
      }
      if (frame.op === 3 || frame.op === 4 || frame.op === 8) {
        return session ? undefined : socket.close(4003, 'Not authenticated.');
      }
      if (frame.op !== 2) return socket.close(4001, 'Unknown opcode.');
      if (session) return socket.close(4005, 'Already authenticated.');
      if (d.token !== this.token) return socket.close(4004, 'Authentication failed.');
      const intents = d.intents;
      if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0) {
        return socket.close(4013, 'Invalid intent(s).');
      }
      if (intents & PRIVILEGED_INTENTS & ~this.privilegedIntents)
        return socket.close(4014, 'Disallowed intent(s).');
      const shard = identifyShard(d.shard);
      if (!shard) return socket.close(4010, 'Invalid shard.');
      const id = randomBytes(16).toString('hex');
      session = { id, socket, seq: 0, intents, identify: d, shard, interactions: [], log: [] };
      const own = [...this.guilds.keys()].filter((g) => serves(shard, g));
      this.sessionMap.set(session.id, session);
      this.sessionStarts++;
      this.emit(session, 'READY', {
        ...{ v: 10, user: { ...this.botUser, flags: 0, mfa_enabled: false, verified: true } },
        guilds: own.map((g) => ({ id: g, unavailable: true })),
        ...{ session_id: session.id, session_type: 'normal', resume_gateway_url: this.gatewayUrl },
        ...{ application: { id: this.applicationId, flags: 1 << 23 }, private_channels: [] },
        ...(Array.isArray(d.shard) ? { shard: d.shard } : {}),
      });
      if (intents & 1) for (const g of own) this.emit(session, 'GUILD_CREATE', this.guildPayload(g));
    });
  }

  private emit(session: Session, t: string, d: unknown): void {
    session.seq += 1;
    const frame = { op: 0, t, s: session.seq, d };
    session.log.push(frame);
    if (session.log.length > 1000) session.log.shift();
    if (session.socket?.readyState === 1) session.socket.send(JSON.stringify(frame));
  }

  /** A guild event, to the sessions with the Guilds intent of the guild's shard. */
  private dispatchToGuildSessions(guildId: string, t: string, d: () => unknown): void {
    for (const session of this.sessionMap.values()) {
      if (session.intents & 1 && serves(session.shard, guildId)) this.emit(session, t, d());
    }
  }

  // -------------------------------------------------------------------------------------------
  // Payloads

  private snowflake(): string {
    const next = ((BigInt(Math.floor(this.now())) - 1_420_070_400_000n) << 22n) | (1n << 17n);
    this.lastSnowflake = next > this.lastSnowflake ? next : this.lastSnowflake + 1n;
    return String(this.lastSnowflake);
  }

  private signedUrl(path: string): string {
    const issued = Math.floor(this.now() / 1000);
    const is = issued.toString(16);
    const ex = (issued + Math.floor(this.cdnTtlMs / 1000)).toString(16);
    return `${this.baseUrl}${path}?ex=${ex}&is=${is}&hm=${this.signature(path, ex, is)}&`;
  }

  private signature(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.cdnSecret).update(`${path}|${ex}|${is}`).digest('hex');
  }

  /** The decoded path of a CDN URL (any host, query ignored), the key of `cdn`. */
  private cdnPath(url: string): string | undefined {
    try {
      return decodeURIComponent(new URL(url, this.baseUrl).pathname);
    } catch {
      return undefined;
    }
  }

  private ownerId(): string {
    return String(BigInt(this.applicationId) + 1n);
  }

  private guildPayload(id: string): Json {
    const guild = this.guilds.get(id)!;
    const joined = iso(this.now());
    const everyone = { id, name: '@everyone', permissions: DEFAULT_APP_PERMISSIONS, position: 0, color: 0 };
    return {
      ...{ id, name: guild.name, icon: null, owner_id: this.ownerId(), features: [] },
      roles: [everyone, ...guild.roles.map((r) => this.rolePayload(r))],
      ...{ emojis: [], stickers: [], joined_at: joined, large: false, unavailable: false, member_count: 2 },
      members: [{ user: this.botUser, roles: [], joined_at: joined, deaf: false, mute: false, flags: 0 }],
      channels: guild.channelIds.map((c) => this.channelPayload(this.channels.get(c)!)),
      ...{ threads: [], presences: [], preferred_locale: 'en-US', premium_tier: 0 },
    };
  }

  private channelPayload(channel: ChannelState): Json {
    const base = { id: channel.id, last_message_id: channel.ids.at(-1) ?? null, flags: 0 };
    if (channel.recipient) return { ...base, type: 1, recipients: [channel.recipient] };
    const guild = { guild_id: channel.guildId, name: channel.name, position: 0, permission_overwrites: [] };
    return { ...base, type: 0, ...guild, parent_id: null, nsfw: false, topic: null };
  }

  /**
   * An option naming a user, role or channel, put into `resolved` as Discord does: the user (and,
   * in a guild, a partial member without `user`), the role, or a partial channel (id, name, type,
   * permissions).
   */
  private resolveOption(type: number, id: string, channel: ChannelState, resolved: Record<string, Json>) {
    if (type === OPTION_TYPE.user || type === OPTION_TYPE.mentionable) {
      const user = this.users.get(id);
      if (user) {
        resolved.users![id] = clone(user);
        if (channel.guildId) {
          const joined_at = iso(this.now());
          const member = {
            roles: [],
            permissions: DEFAULT_MEMBER_PERMISSIONS,
            joined_at,
            nick: null,
            avatar: null,
          };
          resolved.members![id] = { ...member, flags: 0, pending: false };
        }
        return;
      }
      if (type === OPTION_TYPE.user) throw new Error(`FakeDiscord: unknown user ${id}`);
    }
    if (type === OPTION_TYPE.role || type === OPTION_TYPE.mentionable) {
      const role = channel.guildId
        ? this.guilds.get(channel.guildId)?.roles.find((r) => r.id === id)
        : undefined;
      if (!role) throw new Error(`FakeDiscord: no role ${id} in this guild`);
      resolved.roles![id] = this.rolePayload(role);
      return;
    }
    if (type === OPTION_TYPE.channel) {
      const target = this.channels.get(id);
      if (!target || target.guildId !== channel.guildId)
        throw new Error(`FakeDiscord: no channel ${id} here`);
      const type = target.recipient ? 1 : 0;
      resolved.channels![id] = { id, name: target.name, type, permissions: DEFAULT_APP_PERMISSIONS };
    }
  }

  private rolePayload(role: RoleState): Json {
    const { id, name, permissions } = role;
    const flags = { color: 0, hoist: false, icon: null, unicode_emoji: null, position: 1 };
    return { id, name, permissions, ...flags, managed: false, mentionable: false, flags: 0 };
  }

  private interact(kind: 2 | 3 | 4, data: Json, user: APIUser, channel: ChannelState, opts: InteractOptions) {
    const sessions = [...this.sessionMap.values()].filter((s) => serves(s.shard, channel.guildId));
    if (sessions.length === 0) {
      const which = this.sessionMap.size === 0 ? '' : ` of the shard of ${channel.guildId ?? 'DMs'}`;
      throw new Error(
        `FakeDiscord: no gateway session${which} to deliver the interaction to; await waitForReady()`,
      );
    }
    const id = this.snowflake();
    const token = Buffer.from(`interaction:${id}:${randomBytes(40).toString('hex')}`).toString('base64url');
    const sizeLimit = opts.attachmentSizeLimit ?? this.attachmentSizeLimit;
    const payload: Json = {
      ...{ id, application_id: this.applicationId, type: kind, token, version: 1, data },
      channel: { ...this.channelPayload(channel), permissions: DEFAULT_APP_PERMISSIONS },
      channel_id: channel.id,
      app_permissions: opts.appPermissions ?? DEFAULT_APP_PERMISSIONS,
      ...{ locale: opts.locale ?? 'en-US', entitlements: [], attachment_size_limit: sizeLimit },
      ...(opts.message ? { message: opts.message } : {}),
    };
    const guildId = channel.guildId;
    if (guildId) {
      const roles = [...(opts.member?.roles ?? [])];
      const known = this.guilds.get(guildId)?.roles ?? [];
      const unknown = roles.find((r) => !known.some((k) => k.id === r));
      if (unknown !== undefined) throw new Error(`FakeDiscord: no role ${unknown} in guild ${guildId}`);
      const permissions = opts.member?.permissions ?? DEFAULT_MEMBER_PERMISSIONS;
      const member = { user, roles, permissions, joined_at: iso(this.now()) };
      Object.assign(member, { nick: null, avatar: null, deaf: false, mute: false, flags: 0, pending: false });
      const guild = { id: guildId, locale: 'en-US', features: [] };
      Object.assign(payload, { guild_id: guildId, guild, guild_locale: 'en-US', member, context: 0 });
      payload.authorizing_integration_owners = { 0: guildId };
    } else {
      const owners = channel.botMember ? { 0: user.id } : { 1: user.id };
      const context = channel.botMember ? 1 : 2;
      Object.assign(payload, { user, authorizing_integration_owners: owners, context });
    }
    const base = { id, token, kind, payload, sizeLimit, followupIds: [] };
    const state: InteractionState = { ...base, channelId: channel.id, createdAt: this.now() };
    if (opts.message) state.componentMessageId = String(opts.message.id);
    this.interactions.set(id, state);
    this.byToken.set(token, state);
    for (const session of sessions) {
      session.interactions.push(id);
      this.emit(session, 'INTERACTION_CREATE', payload);
    }
    return clone(payload);
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private classify(method: string, path: string): string {
    if (/^\/(?:ephemeral-)?attachments\//.test(path)) return 'cdn';
    return this.match(method, path)?.route[2] ?? 'not-found';
  }

  private match(method: string, path: string) {
    const api = apiPath(path);
    for (const route of api === undefined ? [] : ROUTES) {
      const m = route[1].exec(api!);
      if (m && route[0].split(' ').includes(method)) return { route, m: [...m] as string[] };
    }
    return undefined;
  }

  private callFor(recorded: RecordedRequest): DiscordCall {
    const known = this.entries.get(recorded);
    if (known) return known;
    let json: unknown = recorded.json;
    let files: FilePart[] = [];
    const type = String(recorded.headers['content-type'] ?? '');
    try {
      if (/multipart\/form-data/i.test(type)) {
        const parsed = parseMultipart(recorded.body, type);
        files = parsed.files;
        const payload = parsed.fields.get('payload_json');
        parsed.fields.delete('payload_json');
        json = {
          ...Object.fromEntries(parsed.fields),
          ...(payload === undefined ? {} : JSON.parse(payload)),
        };
      } else if (json === undefined && recorded.body.length > 0) {
        json = JSON.parse(recorded.body.toString('utf8'));
      }
    } catch {
      json = undefined;
    }
    const { kind, method, query, at } = recorded;
    const path = apiPath(recorded.path) ?? recorded.path;
    const call: DiscordCall = { kind, method, path, query, json, files, at, status: 0 };
    if (recorded.headers.authorization !== undefined) call.authorization = recorded.headers.authorization;
    this.entries.set(recorded, call);
    return call;
  }

  private async handle({ res, recorded }: FakeHandlerContext): Promise<void> {
    const call = this.callFor(recorded);
    if (recorded.kind === 'cdn') return this.serveCdn(res, recorded, call);
    const found = this.match(recorded.method, recorded.path);
    let answer: Answer;
    try {
      if (!found) throw new DiscordError(404, 0, '404: Not Found');
      const [, , kind, auth, handler] = found.route;
      if (auth && recorded.headers.authorization?.replace(/^bot\s+/i, 'Bot ') !== `Bot ${this.token}`) {
        recorded.kind = call.kind = 'unauthorized';
        throw new DiscordError(401, 0, '401: Unauthorized');
      }
      const badBody = recorded.body.length > 0 && call.json === undefined;
      if (
        badBody &&
        (recorded.method === 'POST' || recorded.method === 'PUT' || recorded.method === 'PATCH')
      ) {
        throw new DiscordError(400, 50109, 'The request body contains invalid JSON.');
      }
      answer = this.takeFault(kind) ?? this[handler](found.m, call);
    } catch (error) {
      if (!(error instanceof DiscordError)) throw error;
      const errors = error.errors ? { errors: error.errors } : {};
      answer = { status: error.status, body: { message: error.message, code: error.code, ...errors } };
    }
    call.status = answer.status;
    if (answer.body !== undefined) call.response = answer.body;
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(answer.status, {
      'x-ratelimit-bucket': createHash('sha1').update(call.kind).digest('hex').slice(0, 32),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset': ((Date.now() + 1000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': '1.000',
      ...answer.headers,
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
    });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  private takeFault(kind: string): Answer | undefined {
    const fault = this.faults.find((f) => (f.kind === 'any' || f.kind === kind) && f.times > 0);
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    if (fault.fault !== 'rate-limit') {
      const e = FAULTS[fault.fault]();
      return { status: e.status, body: { message: e.message, code: e.code } };
    }
    const { retryAfter, global } = fault;
    return {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: retryAfter, global },
      headers: {
        // Discord rounds Retry-After up to whole seconds; sent as given here so tests stay fast.
        'retry-after': String(retryAfter),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': retryAfter.toFixed(3),
        'x-ratelimit-reset': ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
        'x-ratelimit-scope': global ? 'global' : 'user',
        ...(global ? { 'x-ratelimit-global': 'true' } : {}),
      },
    };
  }

  private serveCdn(res: ServerResponse, recorded: RecordedRequest, call: DiscordCall): void {
    const path = decodeURIComponent(recorded.path);
    const file = this.cdn.get(path);
    const [ex = '', is = '', hm] = ['ex', 'is', 'hm'].map((k) => recorded.query.get(k) ?? '');
    const valid = hm === this.signature(path, ex, is) && Number.parseInt(ex, 16) * 1000 > this.now();
    call.status = file && valid && ['GET', 'HEAD'].includes(recorded.method) ? 200 : 404;
    if (call.status === 404 || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('This content is no longer available.');
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) });
    res.end(recorded.method === 'HEAD' ? undefined : file.bytes);
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  private channelState(id: string): ChannelState {
    const channel = this.channels.get(id);
    if (!channel) throw new Error(`FakeDiscord: unknown channel ${id}`);
    return channel;
  }

  /** A channel the bot may use with its token (404 10003 / 403 50001 otherwise). */
  private postable(id: string): ChannelState {
    const channel = this.channels.get(id);
    if (!channel) throw new DiscordError(404, 10003, 'Unknown Channel');
    if (!channel.botMember) throw missingAccess();
    return channel;
  }

  private store(channel: ChannelState, message: Json, allowedMentions: unknown): Json {
    this.messages.set(String(message.id), {
      message,
      ...(allowedMentions === undefined ? {} : { allowedMentions }),
    });
    channel.ids.push(String(message.id));
    return clone(message);
  }

  private deleteMessage(id: string): Answer {
    const channel = this.channels.get(String(this.messages.get(id)?.message.channel_id));
    this.messages.delete(id);
    if (channel) channel.ids = channel.ids.filter((m) => m !== id);
    return { status: 204 };
  }

  private newMessage(channel: ChannelState, type: number, flags: number, extra: Json = {}): Json {
    return {
      ...{ id: this.snowflake(), type, channel_id: channel.id, author: this.botUser, content: '' },
      ...{ timestamp: iso(this.now()), edited_timestamp: null, tts: false, mention_everyone: false },
      ...{ mentions: [], mention_roles: [], attachments: [], embeds: [], components: [], pinned: false },
      ...{ flags, ...extra },
    };
  }

  private createInteractionMessage(state: InteractionState, body: Json, files: FilePart[], loading = false) {
    const channel = this.channelState(state.channelId);
    const flags = (Number(body.flags ?? 0) & (loading ? EPHEMERAL : CREATE_FLAGS)) | (loading ? LOADING : 0);
    const { user = asRecord(state.payload.member).user, authorizing_integration_owners } = state.payload;
    const metadata: Json = { id: state.id, type: state.kind, user, authorizing_integration_owners };
    if (state.kind === 2)
      Object.assign(metadata, { name: asRecord(state.payload.data).name, command_type: 1 });
    else metadata.interacted_message_id = state.componentMessageId;
    const message = this.newMessage(channel, state.kind === 2 ? 20 : 0, flags, {
      ...{ webhook_id: this.applicationId, application_id: this.applicationId },
      interaction_metadata: metadata,
    });
    if (!loading) this.applyContent(message, body, files, state.sizeLimit, false);
    return this.store(channel, message, body.allowed_mentions);
  }

  /** Applies content, embeds, components and attachments of `body` to `message` (create or edit). */
  private applyContent(message: Json, body: Json, files: FilePart[], sizeLimit: number, edit: boolean): void {
    const total = files.reduce((sum, f) => sum + f.data.length, 0);
    if (files.some((f) => f.data.length > sizeLimit) || total > Math.max(25 * MiB, sizeLimit)) {
      throw tooLarge();
    }
    if (typeof body.content === 'string' && [...body.content].length > 2000) {
      throw formError('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    }
    const embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
    if (embeds.length > 10)
      throw formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    const next: Json = { ...message };
    if ('content' in body) next.content = body.content ?? '';
    if ('embeds' in body) next.embeds = embeds.map((e) => ({ type: 'rich', ...e }));
    if ('components' in body) next.components = body.components ?? [];
    const ephemeral = (Number(message.flags) & EPHEMERAL) !== 0;
    const existing = edit ? (message.attachments as Json[]) : [];
    const attachments = this.resolveAttachments(String(message.channel_id), body, files, existing, ephemeral);
    const stickers = Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0;
    const parts = [next.embeds, next.components, attachments] as unknown[][];
    if (!next.content && parts.every((p) => p.length === 0) && !stickers && !body.poll) {
      throw new DiscordError(400, 50006, 'Cannot send an empty message');
    }
    Object.assign(message, next, { attachments });
  }

  private resolveAttachments(
    channelId: string,
    body: Json,
    files: FilePart[],
    existing: Json[],
    ephemeral: boolean,
  ) {
    const uploads = new Map(files.map((f, i) => [/\[(\d+)\]$/.exec(f.name)?.[1] ?? String(i), f] as const));
    const used = new Set<string>();
    const out: Json[] = Array.isArray(body.attachments) ? [] : [...existing];
    for (const [i, entry] of (Array.isArray(body.attachments) ? body.attachments : []).entries()) {
      const id = String(asRecord(entry).id);
      const kept = existing.find((a) => a.id === id);
      const part = uploads.get(id);
      if (!kept && (!part || used.has(id))) {
        throw formError(`attachments.${i}.id`, 'ATTACHMENT_NOT_FOUND', 'Unknown attachment.');
      }
      if (!kept) used.add(id);
      out.push(kept ?? this.storeUpload(channelId, part!, asRecord(entry), ephemeral));
    }
    for (const [n, part] of uploads)
      if (!used.has(n)) out.push(this.storeUpload(channelId, part, {}, ephemeral));
    return out;
  }

  private storeUpload(channelId: string, part: FilePart, entry: Json, ephemeral: boolean): Json {
    const filename = sanitizeFilename(
      typeof entry.filename === 'string' ? entry.filename : (part.filename ?? ''),
    );
    const id = this.snowflake();
    const path = `/attachments/${channelId}/${id}/${filename}`;
    const contentType = contentTypeFor(part.contentType, filename);
    this.cdn.set(path, { bytes: part.data, contentType });
    const url = this.signedUrl(path);
    const att: Json = {
      id,
      filename,
      size: part.data.length,
      url,
      proxy_url: url,
      content_type: contentType,
    };
    for (const key of ['description', 'title', 'duration_secs', 'waveform'])
      if (key in entry) att[key] = entry[key];
    if (ephemeral) att.ephemeral = true;
    return att;
  }

  /** Edits a stored message as PATCH does; the first edit of a deferred reply isn't "edited". */
  private editMessage(stored: Stored, body: Json, files: FilePart[], sizeLimit: number): Json {
    const message = stored.message;
    const loading = (Number(message.flags) & LOADING) !== 0;
    this.applyContent(message, body, files, sizeLimit, true);
    const keep = Number(message.flags) & ~LOADING;
    message.flags =
      typeof body.flags === 'number' ? (keep & ~(4 | 32768)) | (body.flags & (4 | 32768)) : keep;
    if (!loading) message.edited_timestamp = iso(this.now());
    if (body.allowed_mentions !== undefined) stored.allowedMentions = body.allowed_mentions;
    return clone(message);
  }

  // -------------------------------------------------------------------------------------------
  // Routes: `m` is the route's match (ids from the path), `call` the parsed request.

  private gatewayBot(): Answer {
    const limit = {
      total: 1000,
      remaining: Math.max(0, 999 - this.sessionStarts),
      reset_after: 0,
      max_concurrency: this.maxConcurrency,
    };
    return ok({ url: this.gatewayUrl, shards: this.recommendedShards, session_start_limit: limit });
  }

  private applicationRoute(): Answer {
    const verify_key = createHash('sha256').update(this.applicationId).digest('hex');
    const owner = this.user(this.ownerId(), 'reelay-owner');
    const app = { id: this.applicationId, name: this.botUser.username, icon: null, description: '' };
    Object.assign(app, { bot_public: true, bot_require_code_grant: false });
    return ok({ ...app, verify_key, team: null, owner, bot: this.botUser, flags: 1 << 23 });
  }

  private channelRoute([, id]: string[]): Answer {
    return ok(this.channelPayload(this.postable(id!)));
  }

  private callback([, id, token]: string[], call: DiscordCall): Answer {
    const state = this.interactions.get(id!);
    if (!state || state.token !== token || !this.alive(state)) throw unknownInteraction();
    if (state.response !== undefined)
      throw new DiscordError(400, 40060, 'Interaction has already been acknowledged.');
    if (this.now() - state.createdAt > this.responseDeadlineMs) throw unknownInteraction();
    const { type, data: rawData } = asRecord(call.json);
    const data = asRecord(rawData);
    let message: Json | undefined;
    // An autocomplete interaction takes only its result (8), and only it does: up to 25 choices.
    if ((state.kind === 4) !== (type === 8)) {
      throw formError('type', 'INTERACTION_RESPONSE_TYPE_INVALID', 'Invalid interaction response type.');
    }
    if (type === 8) {
      this.checkChoices(data.choices);
    } else if (type === 4 || type === 5) {
      message = this.createInteractionMessage(state, data, call.files, type === 5);
      state.originalId = String(message.id);
    } else if ((type === 6 || type === 7) && state.componentMessageId !== undefined) {
      const stored = this.messages.get(state.componentMessageId);
      if (!stored) throw unknownMessage();
      state.originalId = state.componentMessageId;
      if (type === 7) message = this.editMessage(stored, data, call.files, state.sizeLimit);
    } else if (type !== 9 || typeof data.custom_id !== 'string' || typeof data.title !== 'string') {
      throw formError('type', 'INTERACTION_RESPONSE_TYPE_INVALID', 'Invalid interaction response type.');
    }
    state.response = Number(type);
    if (call.query.get('with_response') !== 'true') return { status: 204 };
    const interaction: Json = { id: state.id, type: state.kind };
    if (message) {
      interaction.response_message_id = message.id;
      interaction.response_message_loading = (Number(message.flags) & LOADING) !== 0;
      interaction.response_message_ephemeral = (Number(message.flags) & EPHEMERAL) !== 0;
    }
    return ok({ interaction, resource: { type, ...(message ? { message } : {}) } });
  }

  /** Autocomplete choices as Discord takes them: at most 25, names 1–100 characters, values set. */
  private checkChoices(choices: unknown): void {
    if (!Array.isArray(choices) || choices.length > 25) {
      throw formError('data.choices', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    }
    for (const [i, c] of choices.map(asRecord).entries()) {
      if (typeof c.name !== 'string' || !/^.{1,100}$/su.test(c.name)) {
        throw formError(
          `data.choices.${i}.name`,
          'BASE_TYPE_BAD_LENGTH',
          'Must be between 1 and 100 in length.',
        );
      }
      const value = c.value;
      if (!(typeof value === 'number' || (typeof value === 'string' && value.length <= 100))) {
        throw formError(
          `data.choices.${i}.value`,
          'BASE_TYPE_BAD_LENGTH',
          'Must be between 1 and 100 in length.',
        );
      }
    }
  }

  private alive(state: InteractionState): boolean {
    return !state.expired && this.now() - state.createdAt < 15 * 60_000;
  }

  private webhookState(appId: string | undefined, token: string | undefined): InteractionState {
    if (appId !== this.applicationId) throw unknownWebhook();
    const state = this.byToken.get(token ?? '');
    if (!state || !this.alive(state)) throw invalidToken();
    if (state.response === undefined) throw unknownWebhook();
    return state;
  }

  private webhookMessage([, appId, token, which]: string[], call: DiscordCall): Answer {
    const state = this.webhookState(appId, token);
    const target = which === '@original' ? state.originalId : which;
    const stored = target === undefined ? undefined : this.messages.get(target);
    if (!stored || (target !== state.originalId && !state.followupIds.includes(target!)))
      throw unknownMessage();
    if (call.method === 'GET') return ok(clone(stored.message));
    if (call.method === 'DELETE') return this.deleteMessage(target!);
    return ok(this.editMessage(stored, asRecord(call.json), call.files, state.sizeLimit));
  }

  private followup([, appId, token]: string[], call: DiscordCall): Answer {
    const state = this.webhookState(appId, token);
    const original = state.originalId === undefined ? undefined : this.messages.get(state.originalId);
    if (original && (Number(original.message.flags) & LOADING) !== 0) {
      return ok(this.editMessage(original, asRecord(call.json), call.files, state.sizeLimit));
    }
    const message = this.createInteractionMessage(state, asRecord(call.json), call.files);
    state.followupIds.push(String(message.id));
    return ok(message);
  }

  private postMessage([, channelId]: string[], call: DiscordCall): Answer {
    const channel = this.postable(channelId!);
    const body = asRecord(call.json);
    const extra: Json = {};
    const ref = asRecord(body.message_reference);
    const target = ref.message_id === undefined ? undefined : this.messages.get(String(ref.message_id));
    if (target && target.message.channel_id === channel.id) {
      const guild = channel.guildId ? { guild_id: channel.guildId } : {};
      extra.message_reference = { type: 0, message_id: target.message.id, channel_id: channel.id, ...guild };
      extra.referenced_message = clone(target.message);
    } else if (ref.message_id !== undefined && ref.fail_if_not_exists !== false) {
      throw formError('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
    }
    const flags = Number(body.flags ?? 0) & CREATE_FLAGS & ~EPHEMERAL;
    const message = this.newMessage(channel, extra.message_reference ? 19 : 0, flags, extra);
    this.applyContent(message, body, call.files, this.attachmentSizeLimit, false);
    return ok(this.store(channel, message, body.allowed_mentions));
  }

  private channelMessage([, channelId, messageId]: string[], call: DiscordCall): Answer {
    this.postable(channelId!);
    const stored = this.messages.get(messageId!);
    if (!stored || stored.message.channel_id !== channelId || Number(stored.message.flags) & EPHEMERAL) {
      throw unknownMessage();
    }
    if (call.method === 'GET') return ok(clone(stored.message));
    if (call.method === 'DELETE') return this.deleteMessage(messageId!);
    if (stored.message.webhook_id !== undefined) {
      throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
    }
    return ok(this.editMessage(stored, asRecord(call.json), call.files, this.attachmentSizeLimit));
  }

  private refreshUrls(_m: string[], call: DiscordCall): Answer {
    const urls = asRecord(call.json).attachment_urls;
    if (!Array.isArray(urls)) {
      throw formError('attachment_urls', 'BASE_TYPE_REQUIRED', 'This field is required');
    }
    if (urls.length < 1 || urls.length > 50) {
      throw formError('attachment_urls', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 50 in length.');
    }
    const bad = urls.findIndex((u) => typeof u !== 'string' || !URL.canParse(u));
    if (bad >= 0) throw formError(`attachment_urls.${bad}`, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
    const refreshed_urls = (urls as string[]).flatMap((original) => {
      const path = this.cdnPath(original);
      return path !== undefined && this.cdn.has(path) ? [{ original, refreshed: this.signedUrl(path) }] : [];
    });
    return ok({ refreshed_urls });
  }

  private commandList(guildId?: string): Json[] {
    return this.commandSets.get(guildId ?? 'global') ?? [];
  }

  /**
   * What Discord checks of a command beyond its name and description (400 50035 otherwise):
   * `default_member_permissions` is null or a permission bitfield as a decimal string; `contexts`
   * lists interaction context types (0 guild, 1 bot DM, 2 private channel); options as below.
   */
  private checkCommandFields(command: Json, path: string): void {
    const perms = command.default_member_permissions;
    if (perms !== undefined && perms !== null && (typeof perms !== 'string' || !/^\d{1,20}$/.test(perms))) {
      throw formError(
        `${path}.default_member_permissions`,
        'BASE_TYPE_BAD_INT',
        'Value must be a valid permission bitfield string.',
      );
    }
    const contexts = command.contexts;
    if (contexts !== undefined && contexts !== null) {
      const valid =
        Array.isArray(contexts) &&
        contexts.length > 0 &&
        contexts.every((c) => CONTEXTS.includes(c as number));
      if (!valid) throw formError(`${path}.contexts`, 'BASE_TYPE_CHOICES', 'Value must be one of (0, 1, 2).');
    }
    if (command.options !== undefined) this.checkOptions(command.options, `${path}.options`, 0);
  }

  /**
   * A command's options as Discord takes them: at most 25, unique lower-case names, descriptions of
   * 1–100 characters, required ones before optional ones, subcommands (1) or groups (2) not mixed
   * with value options and nested at most group → subcommand → values, at most 25 choices (only on
   * string, integer and number options), `channel_types` only on channel options, string lengths
   * within 0–6000.
   */
  private checkOptions(options: unknown, path: string, depth: number): void {
    if (!Array.isArray(options)) throw formError(path, 'BASE_TYPE_ARRAY', 'Must be an array.');
    if (options.length > 25) throw formError(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    const list = options.map(asRecord);
    const nesting = list.filter((o) => o.type === OPTION_TYPE.subcommand || o.type === OPTION_TYPE.group);
    if (nesting.length > 0 && nesting.length < list.length) {
      throw formError(
        path,
        'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
        'Sub-command and sub-command group option types are mutually exclusive to all other types',
      );
    }
    const names = new Set<string>();
    let optionalSeen = false;
    for (const [i, o] of list.entries()) {
      const at = `${path}.${i}`;
      const { name, description, type } = o;
      if (typeof name !== 'string' || !NAME_RULE.test(name) || /\p{Lu}/u.test(name)) {
        throw formError(`${at}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      }
      if (names.has(name))
        throw formError(
          `${at}.name`,
          'APPLICATION_COMMAND_OPTION_NAME_NOT_UNIQUE',
          'Option names must be unique',
        );
      names.add(name);
      if (typeof description !== 'string' || !/^.{1,100}$/su.test(description)) {
        throw formError(`${at}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      }
      if (typeof type !== 'number' || type < 1 || type > 11) {
        throw formError(`${at}.type`, 'BASE_TYPE_CHOICES', 'Value must be one of (1 … 11).');
      }
      if (type === OPTION_TYPE.subcommand || type === OPTION_TYPE.group) {
        const allowed = type === OPTION_TYPE.group ? depth === 0 : depth <= 1;
        if (!allowed)
          throw formError(
            `${at}.type`,
            'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID',
            'Sub-commands nest too deep',
          );
        if (o.options !== undefined)
          this.checkOptions(o.options, `${at}.options`, type === OPTION_TYPE.group ? 1 : 2);
        continue;
      }
      if (o.required === true && optionalSeen) {
        throw formError(
          `${at}.required`,
          'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID',
          'Required options must be placed before non-required options',
        );
      }
      if (o.required !== true) optionalSeen = true;
      if (o.choices !== undefined) {
        const choosable = type === OPTION_TYPE.string || type === 4 || type === 10;
        if (!choosable || !Array.isArray(o.choices) || o.choices.length > 25) {
          throw formError(`${at}.choices`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        }
      }
      if (
        o.autocomplete === true &&
        (o.choices !== undefined || ![OPTION_TYPE.string, 4, 10].includes(type))
      ) {
        throw formError(
          `${at}.autocomplete`,
          'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_INVALID',
          'Autocomplete is only for string, integer and number options without choices',
        );
      }
      if (o.channel_types !== undefined && type !== OPTION_TYPE.channel) {
        throw formError(
          `${at}.channel_types`,
          'APPLICATION_COMMAND_OPTION_CHANNEL_TYPES_INVALID',
          'Only channel options take channel types',
        );
      }
      for (const key of ['min_length', 'max_length']) {
        const v = o[key];
        if (v !== undefined && (type !== OPTION_TYPE.string || typeof v !== 'number' || v < 0 || v > 6000)) {
          throw formError(`${at}.${key}`, 'NUMBER_TYPE_MAX', 'Must be between 0 and 6000.');
        }
      }
    }
  }

  private commandsRoute([, appId, guildId]: string[], call: DiscordCall): Answer {
    if (appId !== this.applicationId || (guildId !== undefined && !this.guilds.has(guildId)))
      throw missingAccess();
    const current = this.commandList(guildId);
    if (call.method === 'GET') return ok(clone(current));
    if (!Array.isArray(call.json)) throw formError('_', 'MODEL_TYPE_CONVERT', 'Must be an array.');
    const list = call.json.map((raw: unknown, i): Json => {
      const { type = 1, name, description = '' } = asRecord(raw);
      const validName = typeof name === 'string' && /^[-_'\p{L}\p{N}]{1,32}$/u.test(name);
      if (!validName || (type === 1 && /\p{Lu}/u.test(name))) {
        throw formError(`${i}.name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      }
      if (type === 1 && (typeof description !== 'string' || !/^.{1,100}$/su.test(description))) {
        throw formError(`${i}.description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      }
      this.checkCommandFields(asRecord(raw), String(i));
      const id = current.find((c) => c.name === name && c.type === type)?.id ?? this.snowflake();
      const own = { id, application_id: this.applicationId, version: this.snowflake(), type, description };
      const defaults = { default_member_permissions: null, nsfw: false, contexts: null };
      return { ...defaults, ...asRecord(raw), ...own, ...(guildId ? { guild_id: guildId } : {}) };
    });
    const names = list.map((c) => `${c.type}:${c.name}`);
    const duplicate = names.findIndex((n, i) => names.indexOf(n) !== i);
    if (duplicate >= 0) {
      throw formError(`${duplicate}.name`, 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Names must be unique');
    }
    this.commandSets.set(guildId ?? 'global', list);
    return ok(clone(list));
  }
}
