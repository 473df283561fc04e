import type { Requester } from '../core/request.js';

/**
 * `/admin`, declared once. Discord's subcommands and Telegram's `/admin <sub> …` forms, and the help
 * of both, are derived from this list; the desk (`admin-ops.ts`) does what each one says.
 */

export const ADMIN_SUBCOMMANDS = [
  'settings',
  'limit',
  'budget',
  'tier',
  'block',
  'unblock',
  'models',
  'default',
  'words',
  'channels',
  'pause',
  'resume',
  'reset',
  'cancel',
  'stats',
] as const;
export type AdminSubName = (typeof ADMIN_SUBCOMMANDS)[number];

/**
 * What an argument is: a number of `credits` (or `off`, where `off` is allowed), a member, a role or
 * a channel (each platform lets people name those its own way), a model id, a word, a job id, or one
 * of fixed `choices`.
 */
export type AdminArgKind = 'credits' | 'user' | 'role' | 'channel' | 'model' | 'word' | 'job' | 'choice';

export interface AdminArgSpec {
  name: string;
  kind: AdminArgKind;
  /** A few words, for option descriptions and the usage line. */
  summary: string;
  required: boolean;
  choices?: readonly string[];
  /** `credits` or a `model` that may also be `off` (no budget, no tier, the default limit or model). */
  off?: boolean;
}

export interface AdminSubSpec {
  name: AdminSubName;
  summary: string;
  args: readonly AdminArgSpec[];
  /** Only on platforms that have roles (tiers) or channels. */
  needs?: 'roles' | 'channels';
}

const credits = (summary: string, off: boolean): AdminArgSpec => ({
  name: 'credits',
  kind: 'credits',
  summary,
  required: true,
  off,
});
const member: AdminArgSpec = { name: 'user', kind: 'user', summary: 'The member', required: true };

export const ADMIN: readonly AdminSubSpec[] = [
  { name: 'settings', summary: 'Show the settings here', args: [] },
  {
    name: 'limit',
    summary: 'Set the credits each member gets per day',
    args: [credits('Credits per member per day, or off for the default', true)],
  },
  {
    name: 'budget',
    summary: 'Set the daily budget here',
    args: [credits('Credits for everyone here per day, or off', true)],
  },
  {
    name: 'tier',
    summary: 'Give a role its own daily credits',
    needs: 'roles',
    args: [
      { name: 'role', kind: 'role', summary: 'The role', required: true },
      credits('Credits per day for its members, or off', true),
    ],
  },
  { name: 'block', summary: "Stop a member's requests", args: [member] },
  { name: 'unblock', summary: "Restore a member's requests", args: [member] },
  {
    name: 'models',
    summary: 'Allow or deny a model here',
    args: [
      {
        name: 'action',
        kind: 'choice',
        summary: 'allow or deny',
        required: true,
        choices: ['allow', 'deny'],
      },
      { name: 'model', kind: 'model', summary: 'The model', required: true },
    ],
  },
  {
    name: 'default',
    summary: 'Set the model members get when they name none',
    args: [
      {
        name: 'model',
        kind: 'model',
        summary: 'An allowed model, or off for the usual default',
        required: true,
        off: true,
      },
    ],
  },
  {
    name: 'words',
    summary: 'List, add or remove blocked words',
    args: [
      {
        name: 'action',
        kind: 'choice',
        summary: 'add or remove',
        required: false,
        choices: ['add', 'remove'],
      },
      { name: 'word', kind: 'word', summary: 'The word or phrase', required: false },
    ],
  },
  {
    name: 'channels',
    summary: 'List, allow or deny the channels that take requests',
    needs: 'channels',
    args: [
      {
        name: 'action',
        kind: 'choice',
        summary: 'allow or deny',
        required: false,
        choices: ['allow', 'deny'],
      },
      { name: 'channel', kind: 'channel', summary: 'The channel', required: false },
    ],
  },
  { name: 'pause', summary: 'Stop new requests here', args: [] },
  { name: 'resume', summary: 'Take new requests here again', args: [] },
  { name: 'reset', summary: "Give a member back today's credits", args: [member] },
  {
    name: 'cancel',
    summary: "Stop anyone's job",
    args: [
      { name: 'job', kind: 'job', summary: 'The job id (from /admin stats or the logs)', required: true },
    ],
  },
  { name: 'stats', summary: "Today's clips, credits, top members and failures", args: [] },
];

export const adminSpec = (name: AdminSubName): AdminSubSpec =>
  ADMIN.find((s) => s.name === name) as AdminSubSpec;

/** The subcommands a platform offers: those needing roles or channels only where it has them. */
export const adminFor = (has: { roles: boolean; channels: boolean }): AdminSubSpec[] =>
  ADMIN.filter((s) => !s.needs || (s.needs === 'roles' ? has.roles : has.channels));

/** "limit <credits|off>", "words [add|remove] [word]": how a subcommand is typed, for help and errors. */
export function adminUsage(spec: AdminSubSpec): string {
  const arg = (a: AdminArgSpec) => {
    const inner = a.choices ? a.choices.join('|') : a.off ? `${a.name}|off` : a.name;
    return a.required ? `<${inner}>` : `[${inner}]`;
  };
  return [spec.name, ...spec.args.map(arg)].join(' ');
}

/**
 * An `/admin` command as the platform parsed it: the subcommand, its typed arguments by name (as
 * text), and what the platform resolved: a member, a role, a channel.
 */
export interface AdminCommand {
  sub: AdminSubName;
  args: Readonly<Record<string, string>>;
  user?: Requester;
  role?: { id: string; name?: string };
  channel?: { id: string; name?: string };
}

/** Whether an argument says "none": `off`, `none`, `default`, `unset`. */
export const isOff = (text: string): boolean =>
  ['off', 'none', 'default', 'unset'].includes(text.trim().toLowerCase());

/** `123`, `1,350`, `off` → a number of credits, `undefined` for off, or `invalid`. */
export function parseCredits(text: string, off: boolean): number | undefined | 'invalid' {
  const t = text.trim().toLowerCase();
  if (off && isOff(t)) return undefined;
  if (!/^\d[\d,_]*$/.test(t)) return 'invalid';
  const n = Number(t.replace(/[,_]/g, ''));
  return Number.isSafeInteger(n) && n <= 1_000_000_000 ? n : 'invalid';
}
