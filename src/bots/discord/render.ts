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

/** The status message of a finished job, from what the bot knows of it. */
export function finalMessageFor(view: LiveView, outcome: FinalOutcome, now = Date.now()): DiscordMessageBody {
  return {
    embeds: [
      finalEmbed(outcome, {
        model: view.model,
        duration: view.duration,
        userId: view.userId,
        elapsedMs: now - view.startedAt,
        ...(view.prompt ? { prompt: view.prompt } : {}),
      }),
    ],
    components: statusButtons(view.jobId, outcomeState(outcome)),
  };
}

/** The status message of a finished job, from what the worker knows of it. */
export function finalMessage(ctx: DeliveryContext, outcome: FinalOutcome): DiscordMessageBody {
  return {
    embeds: [
      finalEmbed(outcome, {
        model: ctx.request.model,
        duration: ctx.request.duration,
        userId: ctx.requester.userId,
        prompt: ctx.request.prompt,
      }),
    ],
    components: statusButtons(ctx.jobId, outcomeState(outcome)),
  };
}
