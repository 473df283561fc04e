/**
 * The actions a button carries, the same on every platform: `cancel:<jobId>` (the status's Cancel,
 * or one choice of /cancel), `cancel:all`, and `again:<jobId>`. At most 43 characters, within every
 * platform's limit (Telegram's callback data: 64 bytes; Discord's custom id: 100).
 */
export type Action =
  | { kind: 'cancel'; jobId: string }
  | { kind: 'cancel-all' }
  | { kind: 'again'; jobId: string }
  /** Posts a clip from `/history` again. */
  | { kind: 'replay'; jobId: string };

const JOB_ID = /^[A-Za-z0-9-]{8,64}$/;

export function actionId(action: Action): string {
  switch (action.kind) {
    case 'cancel':
      return `cancel:${action.jobId}`;
    case 'cancel-all':
      return 'cancel:all';
    case 'again':
      return `again:${action.jobId}`;
    case 'replay':
      return `replay:${action.jobId}`;
  }
}

/** A button's id read back; undefined when it is none of ours. */
export function parseAction(id: string): Action | undefined {
  const at = id.indexOf(':');
  const verb = id.slice(0, at);
  const rest = id.slice(at + 1);
  if (verb === 'cancel' && rest === 'all') return { kind: 'cancel-all' };
  if (at <= 0 || !JOB_ID.test(rest)) return undefined;
  if (verb === 'cancel') return { kind: 'cancel', jobId: rest };
  if (verb === 'again') return { kind: 'again', jobId: rest };
  if (verb === 'replay') return { kind: 'replay', jobId: rest };
  return undefined;
}
