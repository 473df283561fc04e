import type { ModelSpec } from '../core/catalog.js';
import { messageFor } from '../core/messages.js';
import { type Requester, userKey } from '../core/request.js';
import { orList } from '../core/words.js';
import type { Credits, LedgerEntry } from '../jobs/credits.js';
import type { CancelOutcome, Intake } from '../jobs/intake.js';
import { type AccessPolicy, isOperator } from './access.js';
import { type AdminCommand, adminSpec, adminUsage, isOff, parseCredits } from './admin.js';
import type { CommunitySettings, CommunityStore, SettingsChange } from './community.js';
import type { Doc, Line } from './docs.js';
import { modesText } from './format.js';
import { resolveModel } from './models.js';
import { normalize } from './moderation.js';
import { type Caller, communityKey, isPrivate } from './place.js';

/**
 * What `/admin` does, decided once for every platform: who may, and each subcommand. Every action
 * is confirmed in words, refused in words, recorded in the ledger, and touches only the caller's
 * own community (operators act wherever they are).
 */

export interface AdminDeps {
  credits: Credits;
  store: CommunityStore;
  intake: Intake;
  catalog: readonly ModelSpec[];
  policy: AccessPolicy;
  /** Credits per member per day when a community sets none. */
  defaultLimit: number;
  now: () => number;
}

/** An admin command's answer: a document to show, privately, and whether the command did its job. */
export interface AdminReply {
  ok: boolean;
  doc: Doc;
}

const DAY_MS = 86_400_000;
const MAX_WORD_LENGTH = 60;
const TOP_MEMBERS = 5;

const say = (ok: boolean, title: string, ...lines: Line[]): AdminReply => ({
  ok,
  doc: { title, sections: lines.length > 0 ? [{ lines }] : [] },
});
const done = (title: string, ...lines: Line[]) => say(true, `✅ ${title}`, ...lines);
const refuse = (title: string, ...lines: Line[]) => say(false, `⚠️ ${title}`, ...lines);

const n = (value: number): string => value.toLocaleString('en-US');

const creditsText = (value: number): string => `${n(value)} credit${value === 1 ? '' : 's'}`;

/** Channels as mentions, comma-separated. */
const channelRefs = (ids: readonly string[]): Line =>
  ids.flatMap((id, i) => [...(i > 0 ? [', '] : []), { ref: 'channel' as const, id }]);

/** Where requests are taken, from a community's allowed channels (none: every channel). */
const whereTaken = (ids: readonly string[]): Line =>
  ids.length === 0
    ? ['Requests are taken in every channel.']
    : ['Requests are taken only in ', ...channelRefs(ids), '.'];

/** Whether the caller is an admin here: operators everywhere; in a community, whom the platform says. */
export async function isAdmin(policy: AccessPolicy, caller: Caller): Promise<boolean> {
  if (isOperator(policy, caller.requester)) return true;
  if (isPrivate(caller.place)) return false;
  return (await caller.chatAdmin?.().catch(() => false)) ?? false;
}

const userRef = (user: Requester): Line[number] => ({
  ref: 'user',
  id: user.userId,
  ...(user.displayName ? { name: user.displayName } : {}),
});

/** The member of a user key (`platform:id`), as a mention. */
const keyRef = (key: string): Line[number] => ({ ref: 'user', id: key.slice(key.indexOf(':') + 1) });

export function createAdmin(deps: AdminDeps) {
  const { credits, store, catalog } = deps;

  async function settingsDoc(community: string, caller: Caller): Promise<AdminReply> {
    const s = await store.settings(community);
    const [used, cap] = await Promise.all([credits.communityUsed(community), credits.cap()]);
    const allowed = catalog.filter((m) => !s.deniedModels.includes(m.id)).map((m) => m.id);
    const lines: Line[] = [
      [
        { bold: 'Credits per member per day: ' },
        s.memberCredits === undefined
          ? `${n(deps.defaultLimit)} (the default)`
          : `${n(s.memberCredits)} (the default is ${n(deps.defaultLimit)})`,
      ],
      [
        { bold: 'Daily budget: ' },
        s.budget === undefined ? `none (${n(used)} spent today)` : `${n(used)} of ${n(s.budget)} spent today`,
      ],
    ];
    const tiers = Object.entries(s.tiers).sort(([, a], [, b]) => b - a);
    if (tiers.length > 0 || caller.roles !== undefined) {
      lines.push([
        { bold: 'Role tiers: ' },
        ...(tiers.length === 0
          ? ['none']
          : tiers.flatMap(([role, c], i) => [
              ...(i > 0 ? [', '] : []),
              { ref: 'role' as const, id: role },
              ` ${n(c)}`,
            ])),
      ]);
    }
    lines.push([
      { bold: 'Models: ' },
      s.deniedModels.length === 0
        ? `all (${allowed.join(', ')})`
        : `${allowed.join(', ') || 'none'} (denied: ${s.deniedModels.join(', ')})`,
    ]);
    lines.push([
      { bold: 'Default model: ' },
      s.defaultModel === undefined || s.deniedModels.includes(s.defaultModel)
        ? "each command's usual one (see /models)"
        : s.defaultModel,
    ]);
    lines.push([
      { bold: 'Blocked words: ' },
      s.blockedWords.length === 0 ? 'none' : `${s.blockedWords.length} (see the words subcommand)`,
    ]);
    if (!isPrivate(caller.place) && caller.place.channel !== undefined) {
      lines.push([
        { bold: 'Channels: ' },
        ...(s.channels.length === 0 ? ['every channel'] : channelRefs(s.channels)),
      ]);
    }
    lines.push([{ bold: 'Requests: ' }, s.paused ? '⏸ paused' : 'open']);
    if (isOperator(deps.policy, caller.requester)) {
      lines.push([
        { bold: "Service's daily cap: " },
        cap.credits === undefined
          ? 'none'
          : `${n(cap.credits)} (${cap.source === 'env' ? 'from the environment' : 'set by an operator'})`,
      ]);
    }
    return { ok: true, doc: { title: '⚙️ Settings', sections: [{ lines, bullets: true }] } };
  }

  async function change(community: string, c: SettingsChange): Promise<boolean> {
    return store.change(community, c);
  }

  /** The model an admin named (an id or a short name), or the refusal saying which they could mean. */
  function modelArg(typed: string): ModelSpec | { refusal: AdminReply } {
    const match = resolveModel(typed, catalog);
    if (match.kind === 'found') return match.model;
    if (match.kind === 'ambiguous') {
      return { refusal: refuse(`"${typed}" could be ${orList(match.models.map((m) => m.id))}: say which.`) };
    }
    return {
      refusal: refuse(`There is no model called "${typed}".`, [
        `Models: ${catalog.map((m) => m.id).join(', ')}.`,
      ]),
    };
  }

  /** `/admin default <model|off>`: the model members get when they name none; an allowed one. */
  async function setDefault(community: string, typed: string): Promise<AdminReply> {
    if (isOff(typed)) {
      const changed = await change(community, { kind: 'default-model', model: undefined });
      return done(
        changed
          ? 'The default model here is the usual one again.'
          : 'The default model here was already the usual one.',
        ["Members who name no model get each command's usual one (see /models)."],
      );
    }
    const model = modelArg(typed);
    if ('refusal' in model) return model.refusal;
    if ((await store.settings(community)).deniedModels.includes(model.id)) {
      return refuse(`${model.id} is denied here.`, [
        'Allow it first with ',
        { code: `/admin models allow ${model.id}` },
        '.',
      ]);
    }
    await change(community, { kind: 'default-model', model: model.id });
    return done(`${model.id} is now the default model here.`, [
      `Members who name no model get it, wherever it makes what they ask for (${modesText(model)}).`,
    ]);
  }

  async function stats(community: string): Promise<AdminReply> {
    const now = deps.now();
    const midnight = Math.floor(now / DAY_MS) * DAY_MS;
    const entries = (await credits.ledger(midnight)).filter((e) => e.community === community);
    return { ok: true, doc: statsDoc(entries) };
  }

  async function cancel(community: string, caller: Caller, jobText: string): Promise<AdminReply> {
    const jobId = jobText.trim();
    const operator = isOperator(deps.policy, caller.requester);
    const where = await credits.communityOf(jobId);
    if (where === undefined) {
      return refuse(`I can't find a job with the id ${jobId}.`, [
        'Job ids are in ',
        { command: 'admin' },
        ' stats.',
      ]);
    }
    if (where !== community && !operator) return refuse(`Job ${jobId} was not made here.`);
    const outcome: CancelOutcome = await deps.intake.cancel(jobId, caller.requester, { asAdmin: true });
    const words: Record<CancelOutcome, AdminReply> = {
      cancelling: done(`Cancelling job ${jobId}.`, [
        'The provider had not started on it: its credits go back.',
      ]),
      stopping: done(`Stopping job ${jobId}.`, [
        'The provider had already started on it, so its credits stay spent.',
      ]),
      finished: refuse(`Job ${jobId} has already finished.`),
      'not-found': refuse(`I can't find job ${jobId} any more.`),
      'not-yours': refuse(`Job ${jobId} can't be stopped from here.`),
    };
    return words[outcome];
  }

  /** The subcommand, once the caller is known to be an admin. */
  async function perform(caller: Caller, cmd: AdminCommand, community: string): Promise<AdminReply> {
    const spec = adminSpec(cmd.sub);
    const usage = (): AdminReply =>
      refuse('That needs different arguments.', ['Usage: ', { code: `/admin ${adminUsage(spec)}` }]);
    const arg = (name: string) => cmd.args[name]?.trim() ?? '';
    const creditsArg = () => parseCredits(arg('credits'), true);
    switch (cmd.sub) {
      case 'settings':
        return settingsDoc(community, caller);
      case 'limit': {
        const c = creditsArg();
        if (c === 'invalid') return usage();
        await change(community, { kind: 'member-credits', credits: c });
        return done(
          c === undefined
            ? `Members get the default ${creditsText(deps.defaultLimit)} per day.`
            : `Each member now gets ${creditsText(c)} per day.`,
        );
      }
      case 'budget': {
        const c = creditsArg();
        if (c === 'invalid') return usage();
        await change(community, { kind: 'budget', credits: c });
        return done(
          c === undefined
            ? 'There is no daily budget here now.'
            : `The daily budget here is now ${creditsText(c)}.`,
        );
      }
      case 'tier': {
        const c = creditsArg();
        if (!cmd.role || c === 'invalid') return usage();
        const role = {
          ref: 'role' as const,
          id: cmd.role.id,
          ...(cmd.role.name ? { name: cmd.role.name } : {}),
        };
        await change(community, { kind: 'tier', role: cmd.role.id, credits: c });
        return c === undefined
          ? done('Tier removed.', [role, ' members get the usual limit again.'])
          : done('Tier set.', [
              role,
              ` members now get ${creditsText(c)} per day (or more, from another tier).`,
            ]);
      }
      case 'block':
      case 'unblock': {
        if (!cmd.user) return usage();
        const blocked = cmd.sub === 'block';
        if (blocked && isOperator(deps.policy, cmd.user)) return refuse("An operator can't be blocked.");
        const changed = await store.setBlocked(community, userKey(cmd.user), blocked);
        const who = userRef(cmd.user);
        if (!changed) return done(blocked ? 'Already blocked.' : 'Was not blocked.', [who]);
        return done(blocked ? 'Blocked.' : 'Unblocked.', [
          who,
          blocked ? " can't make videos here until unblocked." : ' can make videos here again.',
        ]);
      }
      case 'models': {
        const action = arg('action');
        if (action !== 'allow' && action !== 'deny') return usage();
        const model = modelArg(arg('model'));
        if ('refusal' in model) return model.refusal;
        await change(community, { kind: 'model', model: model.id, allowed: action === 'allow' });
        return done(action === 'allow' ? `${model.id} is allowed here.` : `${model.id} is denied here.`);
      }
      case 'default':
        return setDefault(community, arg('model'));
      case 'words': {
        const action = arg('action');
        const word = arg('word');
        if (action === '' && word === '') {
          const s = await store.settings(community);
          return say(
            true,
            '🚫 Blocked words',
            s.blockedWords.length === 0
              ? ['None. Add one with ', { code: '/admin words add <word>' }, '.']
              : [s.blockedWords.join(', ')],
          );
        }
        if ((action !== 'add' && action !== 'remove') || word === '') return usage();
        if (word.length > MAX_WORD_LENGTH || normalize(word) === '') {
          return refuse(`A blocked word must have from 1 to ${MAX_WORD_LENGTH} characters.`);
        }
        const changed = await change(community, { kind: 'word', word, blocked: action === 'add' });
        if (action === 'add')
          return done(changed ? `"${word}" is blocked here.` : `"${word}" was already blocked.`);
        return changed ? done(`"${word}" is no longer blocked.`) : refuse(`"${word}" was not blocked.`);
      }
      case 'channels': {
        const action = arg('action');
        if (action === '' && !cmd.channel) {
          return say(true, '📺 Channels', whereTaken((await store.settings(community)).channels));
        }
        if ((action !== 'allow' && action !== 'deny') || !cmd.channel) return usage();
        await change(community, { kind: 'channel', channel: cmd.channel.id, allowed: action === 'allow' });
        return done('Channels updated.', whereTaken((await store.settings(community)).channels));
      }
      case 'pause':
      case 'resume': {
        const paused = cmd.sub === 'pause';
        const changed = await change(community, { kind: 'paused', paused });
        if (!changed)
          return done(paused ? 'Requests were already paused here.' : 'Requests were already open here.');
        return done(
          paused ? 'Paused: new requests here are refused.' : 'Resumed: requests are taken here again.',
          ...(paused ? [['Jobs already running finish as usual.'] as Line] : []),
        );
      }
      case 'reset': {
        if (!cmd.user) return usage();
        const given = await credits.resetMember(userKey(cmd.user), community, userKey(caller.requester));
        return done("Today's credits given back.", [
          userRef(cmd.user),
          given === 0 ? ' had not used any today.' : ` has ${creditsText(given)} back for today.`,
        ]);
      }
      case 'cancel':
        return arg('job') === '' ? usage() : cancel(community, caller, arg('job'));
      case 'stats':
        return stats(community);
    }
  }

  return {
    /** Runs an `/admin` command for the caller, in the caller's community. */
    async run(caller: Caller, cmd: AdminCommand): Promise<AdminReply> {
      if (!(await isAdmin(deps.policy, caller))) {
        return refuse(messageFor({ id: 'not-admin' }));
      }
      const community = communityKey(caller.place);
      const reply = await perform(caller, cmd, community);
      if (reply.ok && recorded(cmd)) {
        await credits.record({
          by: userKey(caller.requester),
          community,
          what: cmd.sub,
          detail: adminDetail(cmd),
        });
      }
      return reply;
    },
  };
}

/**
 * Whether an action goes to the ledger from here: every change, but not what only reads (settings,
 * stats, the lists), nor a reset, which the ledger records itself with the credits it gave back.
 */
const recorded = (cmd: AdminCommand): boolean => {
  if (cmd.sub === 'settings' || cmd.sub === 'stats' || cmd.sub === 'reset') return false;
  if (cmd.sub === 'words' || cmd.sub === 'channels') return Boolean(cmd.args.action);
  return true;
};

/** What an admin action was about, for the ledger. */
function adminDetail(cmd: AdminCommand): string {
  const parts = [
    ...Object.entries(cmd.args).map(([k, v]) => `${k}=${v}`),
    ...(cmd.user ? [`user=${userKey(cmd.user)}`] : []),
    ...(cmd.role ? [`role=${cmd.role.id}`] : []),
    ...(cmd.channel ? [`channel=${cmd.channel.id}`] : []),
  ];
  return parts.join(' ');
}

/** Today's activity of a community, from its ledger lines. */
export function statsDoc(entries: readonly LedgerEntry[]): Doc {
  const reserved = new Set<string>();
  const settled = new Map<string, LedgerEntry>();
  for (const e of entries) {
    if (!e.job) continue;
    if (e.op === 'reserve') reserved.add(e.job);
    if (e.op === 'commit' || e.op === 'refund') settled.set(e.job, e);
  }
  const commits = [...settled.values()].filter((e) => e.op === 'commit');
  const clips = commits.filter((e) => e.what === 'clip');
  const spent = commits.reduce((sum, e) => sum + (e.credits ?? 0), 0);
  const running = [...reserved].filter((j) => !settled.has(j)).length;
  const byMember = new Map<string, number>();
  for (const e of commits) if (e.user) byMember.set(e.user, (byMember.get(e.user) ?? 0) + (e.credits ?? 0));
  const failures = new Map<string, number>();
  for (const e of settled.values()) {
    if (e.what && e.what !== 'clip') failures.set(e.what, (failures.get(e.what) ?? 0) + 1);
  }
  const lines: Line[] = [
    [{ bold: 'Clips made: ' }, n(clips.length)],
    [{ bold: 'Credits spent: ' }, n(spent)],
    [{ bold: 'In progress: ' }, n(running)],
  ];
  const top = [...byMember.entries()].sort(([, a], [, b]) => b - a).slice(0, TOP_MEMBERS);
  const sections = [{ lines, bullets: true }];
  if (top.length > 0) {
    sections.push({
      heading: ['Top members'],
      lines: top.map(([user, c]) => [keyRef(user), ` ${creditsText(c)}`]),
      bullets: true,
    } as (typeof sections)[number]);
  }
  if (failures.size > 0) {
    sections.push({
      heading: ['Failures'],
      lines: [...failures.entries()]
        .sort(([, a], [, b]) => b - a)
        .map(([kind, count]) => [`${kind}: ${n(count)}`]),
      bullets: true,
    } as (typeof sections)[number]);
  }
  const unsettled = [...reserved].filter((j) => !settled.has(j));
  if (unsettled.length > 0) {
    sections.push({
      heading: ['Jobs in progress'],
      lines: unsettled.slice(0, 10).map((j) => [{ code: j }]),
      bullets: true,
    } as (typeof sections)[number]);
  }
  return { title: "📊 Today's activity", sections };
}

export type { CommunitySettings };
