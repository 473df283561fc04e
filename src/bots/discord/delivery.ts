import { readFile } from 'node:fs/promises';
import { UnrecoverableError } from 'bullmq';
import { type RawFile, type REST, Routes } from 'discord.js';
import type { ChatDelivery, ClipFile, DeliveryContext } from '../../core/ports.js';
import type { FinalOutcome } from '../../desk/status.js';
import type { StatusStore } from '../../desk/status-store.js';
import type { Logger } from '../../log.js';
import { describeDiscordError, INTERACTION_TOKEN_MS, isDeadToken, isTooLarge } from './errors.js';
import { type DiscordTarget, discordTarget } from './platform.js';
import { type DiscordMessageBody, finalMessage, type JobFacts } from './status.js';

/** What the `discord` delivery needs. */
export interface DiscordDeliveryOptions {
  /** A REST client with the bot token set (channel posts); interaction webhooks go without auth. */
  rest: REST;
  store: StatusStore;
  logger: Logger;
  now?: () => number;
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

  const tokenAlive = async (ctx: DeliveryContext, t: DiscordTarget) =>
    now() < t.interactionAt + INTERACTION_TOKEN_MS && !(await store.isMarked(ctx.jobId, 'token-dead'));

  const editOriginal = (t: DiscordTarget, body: DiscordMessageBody, files: RawFile[]) =>
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
  async function show(ctx: DeliveryContext, outcome: FinalOutcome, file?: RawFile) {
    const t = targetData(ctx);
    await store.setFinal(ctx.jobId, outcome);
    const body = finalMessage(outcome, factsOf(ctx, t));
    const files = file ? [file] : [];
    const withFile = file ? { ...body, attachments: [{ id: 0, filename: file.name }] } : body;
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
    deliverClip: (ctx, clip) =>
      posting('post', async () => {
        if (clip.size > targetData(ctx).attachmentSizeLimit) return show(ctx, asLink(clip));
        const file: RawFile = {
          name: 'clip.mp4',
          data: await readFile(clip.path),
          contentType: clip.contentType,
        };
        try {
          await show(ctx, { kind: 'clip' }, file);
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
