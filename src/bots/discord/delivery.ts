import { openAsBlob } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError } from 'bullmq';
import { DefaultUserAgent, DiscordAPIError, HTTPError, type REST, Routes } from 'discord.js';
import type { ChatDelivery, ClipFile, DeliveryContext } from '../../core/ports.js';
import { type FinalOutcome, postedOutcome } from '../../desk/status.js';
import type { StatusStore } from '../../desk/status-store.js';
import type { Logger } from '../../log.js';
import type { Fetch } from '../../providers/http.js';
import {
  DiscordTransportError,
  describeDiscordError,
  INTERACTION_TOKEN_MS,
  isDeadToken,
  isTooLarge,
} from './errors.js';
import { type DiscordTarget, discordTarget } from './platform.js';
import { type DiscordMessageBody, finalMessage, type JobFacts } from './status.js';

/** What the `discord` delivery needs. */
export interface DiscordDeliveryOptions {
  /**
   * A REST client with the bot token set (channel posts); interaction webhooks go without auth.
   * Posts without a file go through it; clip uploads go to its API URL (`rest.options.api`).
   */
  rest: REST;
  /** The bot token, for clip uploads into the channel (the fallback). Never logged. */
  token: string;
  store: StatusStore;
  logger: Logger;
  /** Transport for clip uploads; the global fetch (undici) by default. */
  fetch?: Fetch;
  /** Longest one clip upload may take, from the request to Discord's answer. Default 5 minutes. */
  uploadTimeoutMs?: number;
  now?: () => number;
}

/** A clip to upload: streamed from its file on disk while the request is sent. */
interface ClipUpload {
  name: string;
  path: string;
  contentType: string;
}

const DEFAULT_UPLOAD_TIMEOUT_MS = 5 * 60_000;
/** Tries of one upload answered 429, waiting Discord's `retry_after` in between (as discord.js's REST does). */
const UPLOAD_TRIES = 4;
/** A rate limit longer than this is left to the delivery job's own retries. */
const MAX_RATE_LIMIT_WAIT_MS = 60_000;

/** The route as it can be shown: an interaction webhook's token left out. */
const shownRoute = (route: string): string => route.replace(/^(\/webhooks\/\d+\/)[^/]+/, '$1:token');

/** How long Discord asks us to wait after a 429: `retry_after` (seconds) in the body, else `Retry-After`. */
function retryAfterMs(res: Response, data: unknown): number {
  const inBody = (data as { retry_after?: unknown } | undefined)?.retry_after;
  const seconds = typeof inBody === 'number' ? inBody : Number(res.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : 1_000;
}

/** The target's Discord data; a target that is not one is a job no retry can deliver. */
function targetData(ctx: DeliveryContext): DiscordTarget {
  try {
    return discordTarget(ctx.target);
  } catch {
    throw new UnrecoverableError(`not a discord target (${ctx.target.platform})`);
  }
}

const factsOf = (ctx: DeliveryContext, t: DiscordTarget): JobFacts => ({
  jobId: ctx.jobId,
  model: ctx.request.model,
  duration: ctx.request.duration,
  prompt: ctx.request.prompt,
  userId: t.userId,
  ...(typeof ctx.request.credits === 'number' ? { credits: ctx.request.credits } : {}),
  ...(ctx.request.seed === undefined ? {} : { seed: ctx.request.seed }),
});

/**
 * The `discord` delivery, run by workers. The outcome goes into the command's own reply (the status
 * message), edited through the interaction token: an edit is idempotent, so a retried delivery never
 * shows the clip twice. When the token is dead (past 14 minutes, or Discord says so), it goes as a
 * channel message with the bot token, mentioning the requester and referencing the status message;
 * a `sent` marker, set after that post, keeps a retry from posting it again. A clip over the
 * interaction's upload limit goes as the provider's link, saying how long it lives. A failure says
 * whether it counted against the person's quota.
 */
export function createDiscordDelivery(options: DiscordDeliveryOptions): ChatDelivery {
  const { rest, store, logger } = options;
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS;
  // Where and as whom discord.js's REST would send it: the bot's API URL, its user agent.
  const apiBase = `${rest.options.api.replace(/\/+$/, '')}/v${rest.options.version}`;
  const userAgent = `${DefaultUserAgent} ${rest.options.userAgentAppendix}`.trim();

  /**
   * Sends a message with the clip as Discord's documented multipart form (`payload_json` and
   * `files[0]`), with fetch rather than discord.js's REST, which reads every file into memory: the
   * file part is a file-backed Blob, read from disk while the request is sent. `redirect: 'error'`
   * matters as much: under fetch's default `follow`, undici keeps a copy of the whole body to replay
   * it after a redirect. A 429 is waited out and the upload sent again (the file is read again); any
   * other refusal is thrown as discord.js's own `DiscordAPIError` (`HTTPError` for a 5xx), so the
   * callers read it as they read REST's.
   */
  async function upload(
    method: 'PATCH' | 'POST',
    route: `/${string}`,
    auth: boolean,
    body: DiscordMessageBody,
    file: ClipUpload,
  ): Promise<unknown> {
    const shown = shownRoute(route);
    const headers: Record<string, string> = { 'user-agent': userAgent };
    if (auth) headers.authorization = `Bot ${options.token}`;
    for (let attempt = 1; ; attempt += 1) {
      const form = new FormData();
      form.append('payload_json', JSON.stringify(body));
      form.append('files[0]', await openAsBlob(file.path, { type: file.contentType }), file.name);
      const timeout = AbortSignal.timeout(uploadTimeoutMs);
      let res: Response;
      let text: string;
      try {
        res = await doFetch(`${apiBase}${route}`, {
          method,
          headers,
          body: form,
          redirect: 'error',
          signal: timeout,
        });
        text = await res.text();
      } catch {
        // The cause is left out: undici's messages may quote the URL, with the interaction token.
        throw new DiscordTransportError(
          `${method} ${shown}: ${timeout.aborted ? `no answer within ${uploadTimeoutMs} ms` : 'network error'}`,
        );
      }
      let data: unknown;
      try {
        data = text === '' ? undefined : JSON.parse(text);
      } catch {
        data = undefined;
      }
      if (res.ok) return data;
      const waitMs = retryAfterMs(res, data);
      if (res.status === 429 && attempt < UPLOAD_TRIES && waitMs <= MAX_RATE_LIMIT_WAIT_MS) {
        logger.info({ status: 429, waitMs, attempt }, 'discord rate limit on a clip upload; waiting');
        await sleep(waitMs);
        continue;
      }
      const request = { body, files: undefined };
      if (res.status >= 500) throw new HTTPError(res.status, res.statusText, method, shown, request);
      const raw = data as { code?: unknown; message?: unknown; errors?: unknown } | undefined;
      const code = typeof raw?.code === 'number' || typeof raw?.code === 'string' ? raw.code : 0;
      const message = typeof raw?.message === 'string' ? raw.message : res.statusText || `HTTP ${res.status}`;
      const errors = raw?.errors === undefined ? {} : { errors: raw.errors };
      const rawError = { code: Number(code), message, ...errors } as ConstructorParameters<
        typeof DiscordAPIError
      >[0];
      throw new DiscordAPIError(rawError, code, res.status, method, shown, request);
    }
  }

  const tokenAlive = async (ctx: DeliveryContext, t: DiscordTarget) =>
    now() < t.interactionAt + INTERACTION_TOKEN_MS && !(await store.isMarked(ctx.jobId, 'token-dead'));

  const editOriginal = (t: DiscordTarget, body: DiscordMessageBody, file: ClipUpload | undefined) => {
    const route = Routes.webhookMessage(t.applicationId, t.interactionToken, '@original');
    return file ? upload('PATCH', route, false, body, file) : rest.patch(route, { auth: false, body });
  };

  /** Posts the outcome in the channel itself, once (the fallback when the token is dead). */
  async function postInChannel(
    ctx: DeliveryContext,
    t: DiscordTarget,
    message: DiscordMessageBody,
    file: ClipUpload | undefined,
  ) {
    if (await store.isMarked(ctx.jobId, 'sent')) return;
    if (!t.canPostInChannel) {
      throw new UnrecoverableError('the interaction token is dead and the bot may not post in this channel');
    }
    const status = await store.read(ctx.jobId);
    const body = {
      ...message,
      content: `<@${t.userId}> ${message.content ?? ''}`.trim(),
      allowed_mentions: { users: [t.userId] },
      ...(status.messageId
        ? { message_reference: { message_id: status.messageId, fail_if_not_exists: false } }
        : {}),
    };
    const route = Routes.channelMessages(t.channelId);
    await (file ? upload('POST', route, true, body, file) : rest.post(route, { body }));
    await store.markOnce(ctx.jobId, 'sent');
  }

  /** Shows an outcome: in the status message while the token lives, else as a channel message. */
  async function show(ctx: DeliveryContext, outcome: FinalOutcome, file?: ClipUpload) {
    const t = targetData(ctx);
    await store.setFinal(ctx.jobId, outcome);
    const body = finalMessage(outcome, factsOf(ctx, t));
    const withFile = file ? { ...body, attachments: [{ id: 0, filename: file.name }] } : body;
    if (await tokenAlive(ctx, t)) {
      try {
        await editOriginal(t, withFile, file);
        return;
      } catch (e) {
        if (!isDeadToken(e)) throw e;
        logger.info(
          { jobId: ctx.jobId, err: describeDiscordError(e) },
          'interaction token dead; posting in the channel',
        );
        await store.markOnce(ctx.jobId, 'token-dead');
      }
    }
    await postInChannel(ctx, t, withFile, file);
  }

  const asLink = (clip: ClipFile): FinalOutcome => ({
    kind: 'link',
    size: clip.size,
    url: clip.sourceUrl,
    ...(clip.sourceExpiresAt ? { expiresAt: clip.sourceExpiresAt } : {}),
  });

  /** Runs a post; a Discord error becomes one line without URL or token (it ends up in the job). */
  async function posting(what: string, post: () => Promise<void>): Promise<void> {
    try {
      await post();
    } catch (e) {
      if (e instanceof UnrecoverableError) throw e;
      throw new Error(`discord ${what} failed: ${describeDiscordError(e)}`);
    }
  }

  return {
    uploadLimit: (ctx) => targetData(ctx).attachmentSizeLimit,

    deliverClip: (ctx, clip) =>
      posting('post', async () => {
        if (clip.size > targetData(ctx).attachmentSizeLimit) return show(ctx, asLink(clip));
        // Streamed from the file on disk when it is sent: the clip is never read into memory.
        const file: ClipUpload = { name: 'clip.mp4', path: clip.path, contentType: clip.contentType };
        try {
          await show(ctx, postedOutcome(clip), file);
        } catch (e) {
          // Larger than Discord takes after all (a limit that changed): the link instead.
          if (!isTooLarge(e)) throw e;
          await show(ctx, asLink(clip));
        }
      }),

    deliverFailure: (ctx, { error, refunded }) =>
      posting('failure notice', () => show(ctx, { kind: 'failure', error, refunded })),
  };
}
