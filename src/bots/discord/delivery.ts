import { readFile } from 'node:fs/promises';
import { UnrecoverableError } from 'bullmq';
import { DiscordAPIError, type RawFile, type REST, Routes } from 'discord.js';
import type { UserError } from '../../core/errors.js';
import type { ChatDelivery, ClipFile, DeliveryContext, DiscordTarget } from '../../core/ports.js';
import type { Logger } from '../../log.js';
import type { FinalOutcome } from '../shared.js';
import type { StatusStore } from '../status-store.js';
import { type DiscordMessageBody, finalMessage } from './render.js';

/** An interaction token works 15 minutes; past 14 we stop trusting it and post with the bot token. */
export const INTERACTION_TOKEN_MS = 14 * 60_000;

/** Discord's answers that mean the interaction token is dead (expired, or the interaction unknown). */
const DEAD_TOKEN_CODES = new Set([50027, 10015, 10062, 10008]);
const TOO_LARGE_CODE = 40005;

/** Discord says the interaction token can no longer be used. */
export const isDeadToken = (e: unknown): boolean =>
  e instanceof DiscordAPIError && (DEAD_TOKEN_CODES.has(Number(e.code)) || e.status === 401);
const isTooLarge = (e: unknown): boolean =>
  e instanceof DiscordAPIError && (Number(e.code) === TOO_LARGE_CODE || e.status === 413);

/** An API error for a log line or a job's failure reason: status, code and Discord's words; no URL, no token. */
export function describeDiscordError(e: unknown): string {
  // The error's own message is Discord's words; its `url` (with the interaction token) is left out.
  if (e instanceof DiscordAPIError) return `${e.method.toUpperCase()} ${e.status} ${e.code}: ${e.message}`;
  return e instanceof Error ? e.name : 'error';
}

export interface DiscordDeliveryOptions {
  /** A REST client with the bot token set (channel posts); interaction webhooks go without auth. */
  rest: REST;
  store: StatusStore;
  logger: Logger;
  now?: () => number;
}

const discordTarget = (ctx: DeliveryContext): DiscordTarget => {
  if (ctx.target.kind !== 'discord') throw new Error(`discord delivery given a ${ctx.target.kind} target`);
  return ctx.target;
};

/**
 * The `discord` delivery, run by workers. The clip goes into the command's own reply (the status
 * message), edited through the interaction token: an edit is idempotent, so a retried delivery
 * never shows the clip twice. When the token is dead (past 14 minutes, or Discord says so), the clip
 * goes as a channel message with the bot token, mentioning the requester and referencing the status
 * message; a `sent` marker, set after that post, keeps a retry from posting it again. A clip over the
 * interaction's upload limit goes as the provider's link, saying how long it lives.
 */
export function createDiscordDelivery(options: DiscordDeliveryOptions): ChatDelivery {
  const { rest, store, logger } = options;
  const now = options.now ?? Date.now;

  const tokenAlive = async (ctx: DeliveryContext, t: DiscordTarget) =>
    now() < t.interactionAt + INTERACTION_TOKEN_MS && !(await store.isMarked(ctx.jobId, 'token-dead'));

  const editOriginal = (t: DiscordTarget, body: DiscordMessageBody, files: RawFile[] = []) =>
    rest.patch(Routes.webhookMessage(t.applicationId, t.interactionToken, '@original'), {
      auth: false,
      body,
      files,
    });

  /** Posts the outcome in the channel itself, once (the fallback when the token is dead). */
  async function postInChannel(
    ctx: DeliveryContext,
    t: DiscordTarget,
    body: DiscordMessageBody,
    files: RawFile[],
  ) {
    if (await store.isMarked(ctx.jobId, 'sent')) return;
    if (!t.canPostInChannel) {
      throw new UnrecoverableError('the interaction token is dead and the bot may not post in this channel');
    }
    const status = await store.read(ctx.jobId);
    await rest.post(Routes.channelMessages(t.channelId), {
      body: {
        ...body,
        content: `<@${t.userId}> ${body.content ?? ''}`.trim(),
        allowed_mentions: { users: [t.userId] },
        ...(status.messageId
          ? { message_reference: { message_id: status.messageId, fail_if_not_exists: false } }
          : {}),
      },
      files,
    });
    await store.markOnce(ctx.jobId, 'sent');
  }

  /** Shows an outcome: in the status message while the token lives, else as a channel message. */
  async function show(ctx: DeliveryContext, outcome: FinalOutcome, clip?: { file: RawFile }) {
    const t = discordTarget(ctx);
    await store.setFinal(ctx.jobId, outcome);
    const body = finalMessage(ctx, outcome);
    const files = clip ? [clip.file] : [];
    const withFile = clip ? { ...body, attachments: [{ id: 0, filename: clip.file.name }] } : body;
    if (await tokenAlive(ctx, t)) {
      try {
        await editOriginal(t, withFile, files);
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
    await postInChannel(ctx, t, withFile, files);
  }

  const asLink = (clip: ClipFile): FinalOutcome => ({
    kind: 'link',
    size: clip.size,
    url: clip.sourceUrl,
    ...(clip.sourceExpiresAt ? { expiresAt: clip.sourceExpiresAt } : {}),
  });

  return {
    async deliverClip(ctx, clip) {
      const t = discordTarget(ctx);
      try {
        if (clip.size > t.attachmentSizeLimit) {
          await show(ctx, asLink(clip));
          return;
        }
        const file: RawFile = {
          name: 'clip.mp4',
          data: await readFile(clip.path),
          contentType: clip.contentType,
        };
        try {
          await show(ctx, { kind: 'clip' }, { file });
        } catch (e) {
          // Larger than Discord takes after all (a limit that changed): the link instead.
          if (!isTooLarge(e)) throw e;
          await show(ctx, asLink(clip));
        }
      } catch (e) {
        if (e instanceof UnrecoverableError) throw e;
        throw new Error(`discord post failed: ${describeDiscordError(e)}`);
      }
    },

    async deliverFailure(ctx, error: UserError) {
      try {
        await show(ctx, { kind: 'failure', error });
      } catch (e) {
        if (e instanceof UnrecoverableError) throw e;
        throw new Error(`discord failure notice failed: ${describeDiscordError(e)}`);
      }
    },
  };
}
