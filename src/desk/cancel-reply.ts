import { messageFor } from '../core/messages.js';
import { actionId } from './actions.js';
import { CANCEL_ALL_LABEL, jobLabel, NOTHING_TO_CANCEL, stoppedText, WHICH_TO_CANCEL } from './content.js';
import type { CancelMine } from './desk.js';

/** One button of `/cancel`'s choice: its label, and the action it carries (`actions.ts`). */
export interface CancelChoice {
  label: string;
  action: string;
}

/**
 * What `/cancel` (or "All of them") came to, in words, for any platform: what was stopped, that
 * nothing was, that the service is busy — or the question, with a choice per job (oldest first,
 * each saying whether it is already paid) and the last one for all of them.
 */
export function cancelReply(result: CancelMine): { text: string; choices: CancelChoice[] } {
  switch (result.kind) {
    case 'busy':
      return { text: messageFor({ id: 'service-busy' }), choices: [] };
    case 'none':
      return { text: NOTHING_TO_CANCEL, choices: [] };
    case 'stopped':
      return { text: stoppedText(result.results), choices: [] };
    case 'choose':
      return {
        text: WHICH_TO_CANCEL,
        choices: [
          ...result.jobs.map((view) => ({
            label: jobLabel(view),
            action: actionId({ kind: 'cancel', jobId: view.jobId }),
          })),
          { label: CANCEL_ALL_LABEL, action: actionId({ kind: 'cancel-all' }) },
        ],
      };
  }
}
