import { type UserError, userError } from '../../core/errors.js';
import { countSettlement } from '../../metrics.js';
import type { ProviderError } from '../../providers/errors.js';
import type { Credits } from '../credits.js';
import type { GeneratePayload, GenerateState, Outcome } from '../payloads.js';
import { DELIVER_JOB_OPTIONS, deliverJobId, type Queues } from '../queues.js';

/** The user-facing reason for a provider's error. */
export const userErrorForProvider = (e: ProviderError): UserError => {
  switch (e.kind) {
    case 'content-rejected':
      return userError('content-rejected');
    case 'account':
      return userError('provider-account');
    case 'bad-request':
      return userError('provider-rejected-request');
    case 'transient':
    case 'rate-limited':
      return userError('provider-unavailable');
    default:
      return userError('generation-failed');
  }
};

/**
 * Whether the provider has accepted the job's task, and so charges for it: once it has, a cancel, a
 * time-out or a stall no longer gives the credits back. Only a failure the provider reports
 * itself (a `handover` with a failed result) is refunded after that.
 */
export function providerCharges(state: GenerateState): boolean {
  if (state.step === 'poll') return true;
  if (state.step === 'handover') return state.result.kind === 'clip';
  if (state.step === 'done') return state.refunded === false;
  return false;
}

/**
 * The money rule of a job that ends without a clip: refund the credits when the provider did not
 * charge us (`charged` false), else commit them, with the error as the outcome; then queue the
 * failure notice, saying which. Safe to repeat: the ledger calls are no-ops the second time and the deliver job id is fixed. Also run from
 * the worker's `failed` event, so a job BullMQ itself gives up on (stalled too often) still settles
 * and answers.
 */
export async function settleFailure(
  deps: { credits: Pick<Credits, 'commit' | 'refund'>; queues: Queues; now?: () => number },
  jobId: string,
  data: GeneratePayload,
  error: UserError,
  providerCharged: boolean,
): Promise<{ refunded: boolean }> {
  const refunded = !providerCharged;
  if (data.charged) {
    if (refunded) countSettlement('refunded', await deps.credits.refund(jobId, { outcome: error.id }));
    else countSettlement('committed', await deps.credits.commit(jobId, { outcome: error.id }));
  }
  await queueOutcome(deps, jobId, data, { kind: 'failure', error, refunded: data.charged && refunded });
  return { refunded };
}

/**
 * Queues the deliver job of one generate job's outcome. Its id is fixed per generate job, so an
 * outcome is queued once however often this runs.
 */
export async function queueOutcome(
  deps: { queues: Queues; now?: () => number },
  jobId: string,
  data: GeneratePayload,
  outcome: Outcome,
): Promise<void> {
  await deps.queues.deliver.add(
    'deliver',
    {
      v: 2,
      generateJobId: jobId,
      request: data.request,
      requester: data.requester,
      target: data.target,
      outcome,
      readyAt: (deps.now ?? Date.now)(),
    },
    { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(jobId) },
  );
}
