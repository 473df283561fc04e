import type { APIActionRowComponent, APIButtonComponentWithCustomId, APIEmbed } from 'discord.js';
import type { DeliveryContext } from '../../core/ports.js';
import type { GenerateProgress } from '../../jobs/generate.js';
import { type FinalOutcome, liveState } from '../shared.js';
import { finalEmbed, outcomeState, statusButtons, statusEmbed } from './status.js';

/** A message body as the REST API takes it (interaction webhook edits and channel posts). */
export interface DiscordMessageBody {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  attachments?: { id: number; filename: string }[];
}

/** The fixed facts of one job's status message. */
export interface LiveView {
  jobId: string;
  position: number;
  model: string;
  duration: number;
  userId: string;
  startedAt: number;
  prompt?: string;
}

/** Where a job is now, as the tracker reads it from the generate job. */
export interface LiveFacts {
  elapsedMs: number;
  progress?: GenerateProgress;
  /** Since the provider took the task (ms), for the ETA. */
  generatingMs?: number;
  handedOver?: boolean;
  cancelling?: boolean;
}

/** The status message of an unfinished job: the embed and the Cancel button. */
export function liveMessage(view: LiveView, facts: LiveFacts, now = Date.now()): DiscordMessageBody {
  const state = liveState(facts.progress, facts.handedOver);
  const embed = statusEmbed({
    state,
    model: view.model,
    duration: view.duration,
    userId: view.userId,
    ...(state === 'queued' ? { position: view.position } : {}),
    ...(facts.progress?.percent === undefined ? {} : { percent: facts.progress.percent }),
    ...(facts.generatingMs === undefined ? {} : { generatingMs: facts.generatingMs }),
    elapsedMs: facts.elapsedMs,
    now,
    ...(facts.cancelling ? { cancelling: true } : {}),
    ...(view.prompt ? { prompt: view.prompt } : {}),
  });
  return { embeds: [embed], components: statusButtons(view.jobId, state, facts.cancelling ?? false) };
}

/** The status message of a finished job: the final embed and, when done, the Again button. */
export function finalMessageFor(
  view: Pick<LiveView, 'jobId' | 'model' | 'duration' | 'userId' | 'prompt'>,
  outcome: FinalOutcome,
  elapsedMs?: number,
): DiscordMessageBody {
  return {
    embeds: [
      finalEmbed(outcome, {
        model: view.model,
        duration: view.duration,
        userId: view.userId,
        ...(elapsedMs === undefined ? {} : { elapsedMs }),
        ...(view.prompt ? { prompt: view.prompt } : {}),
      }),
    ],
    components: statusButtons(view.jobId, outcomeState(outcome)),
  };
}

/** The same, from what the worker knows of the job. */
export const finalMessage = (ctx: DeliveryContext, outcome: FinalOutcome): DiscordMessageBody =>
  finalMessageFor(
    {
      jobId: ctx.jobId,
      model: ctx.request.model,
      duration: ctx.request.duration,
      userId: ctx.requester.userId,
      prompt: ctx.request.prompt,
    },
    outcome,
  );
