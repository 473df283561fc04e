import type { Queue } from 'bullmq';
import type { REST } from 'discord.js';
import { Routes } from 'discord.js';
import type { GenerateProgress } from '../../jobs/generate.js';
import type { GeneratePayload } from '../../jobs/queues.js';
import type { Logger } from '../../log.js';
import { type PacedEntry, PacedTracker } from '../paced-tracker.js';
import type { StatusStore } from '../status-store.js';
import { describeDiscordError, INTERACTION_TOKEN_MS, isDeadToken } from './delivery.js';
import { type DiscordMessageBody, finalMessageFor, type LiveView, liveMessage } from './render.js';

export interface TrackedInteraction extends LiveView {
  applicationId: string;
  interactionToken: string;
  interactionAt: number;
}

interface Entry extends TrackedInteraction, PacedEntry {
  shown: string;
}

export interface DiscordTrackerOptions {
  rest: REST;
  store: StatusStore;
  generateQueue: Queue;
  logger: Logger;
  /** Least time between two edits of one status message. Default 3 s. */
  editIntervalMs?: number;
  /** How often tracked jobs are looked at. Default 1 s. */
  tickMs?: number;
  now?: () => number;
}

/**
 * Edits the status messages (the commands' replies) this process posted, through their interaction
 * tokens, while those live. One edit per message in flight, at most one per interval; a 429 is waited
 * out by @discordjs/rest. The worker writes the final state itself (clip, link or failure) and
 * records it; an edit of ours that raced it is followed by the final one again, so the last word is
 * always the outcome.
 */
export class DiscordStatusTracker extends PacedTracker<Entry> {
  constructor(private readonly o: DiscordTrackerOptions) {
    super(o.editIntervalMs ?? 3_000, o.tickMs ?? 1_000, o.now ?? Date.now);
  }

  track(job: TrackedInteraction): void {
    this.entries.set(job.jobId, {
      ...job,
      lastEditAt: this.now(),
      shown: '',
      inflight: false,
      cancelling: false,
    });
  }

  protected override async update(e: Entry): Promise<void> {
    if (this.now() >= e.interactionAt + INTERACTION_TOKEN_MS) {
      this.entries.delete(e.jobId); // the token is (nearly) dead: nothing left to edit with
      return;
    }
    try {
      if ((await this.o.store.read(e.jobId)).final) {
        this.entries.delete(e.jobId); // the worker showed the outcome
        return;
      }
      const job = await this.o.generateQueue.getJob(e.jobId);
      const progress = job?.progress as GenerateProgress | undefined;
      const at = this.now();
      const submittedAt = (job?.data as GeneratePayload | undefined)?.state?.submittedAt;
      const body = liveMessage(
        e,
        {
          elapsedMs: at - e.startedAt,
          ...(progress && typeof progress === 'object' && 'step' in progress ? { progress } : {}),
          ...(submittedAt ? { generatingMs: at - submittedAt } : {}),
          handedOver: Boolean(job?.finishedOn) && !job?.failedReason,
          cancelling: e.cancelling,
        },
        at,
      );
      const shown = JSON.stringify(body);
      if (shown === e.shown) return;
      await this.edit(e, body);
      e.shown = shown;
      // The worker may have shown the outcome while our edit was on its way: put it back on top.
      const final = (await this.o.store.read(e.jobId)).final;
      if (final) {
        await this.edit(e, finalMessageFor(e, final, this.now() - e.startedAt));
        this.entries.delete(e.jobId);
      }
    } catch (error) {
      if (isDeadToken(error)) {
        this.entries.delete(e.jobId); // nothing more can be edited; the worker posts in the channel
        return;
      }
      this.o.logger.warn({ jobId: e.jobId, err: describeDiscordError(error) }, 'discord status edit failed');
    } finally {
      e.lastEditAt = this.now();
    }
  }

  private edit(e: Entry, body: DiscordMessageBody): Promise<unknown> {
    return this.o.rest.patch(Routes.webhookMessage(e.applicationId, e.interactionToken, '@original'), {
      auth: false,
      body,
    });
  }
}
