import { findModel, type ModelSpec } from '../core/catalog.js';
import { messageFor } from '../core/messages.js';
import type { CancelOutcome } from '../jobs/intake.js';
import {
  availableCommands,
  commandInputs,
  commandModels,
  DEFAULT_REFERENCE_MODEL,
  DEFAULT_VIDEO_MODEL,
  defaultModelFor,
  GENERATE_COMMANDS,
  type GenerateCommandName,
  offeredSettings,
} from './commands.js';
import type { HistoryItem, QuotaView } from './desk.js';
import { type Doc, type Example, type HelpWords, joined, type Line, type Section } from './docs.js';
import { durationsText, modesText, priceRows, qualitiesText, ratiosText, shorten } from './format.js';
import type { StatusView } from './status.js';

/** Examples for the help, from the catalog: a text clip, an animated image, a reference clip. */
export function examples(catalog: readonly ModelSpec[]): Example[] {
  const out: Example[] = [];
  const text = findModel(defaultModelFor('text', catalog), catalog);
  if (text?.modes.includes('text')) {
    const portrait = text.aspectRatioModes.includes('text')
      ? text.aspectRatios.find((r) => {
          const [w, h] = r.split(':').map(Number);
          return w !== undefined && h !== undefined && w < h;
        })
      : undefined;
    out.push({
      command: 'video',
      prompt: 'a red fox running through fresh snow, slow motion',
      settings: {
        duration: Math.max(...text.durations),
        ...(portrait ? { aspectRatio: portrait } : {}),
        ...(text.negativePrompt ? { negativePrompt: 'blurry, text' } : {}),
      },
      images: 0,
    });
  }
  const animating = catalog.filter((m) => m.modes.includes('first-frame'));
  const animator = animating.find((m) => m.qualities.length > 1) ?? animating[0];
  if (animator) {
    const quality = animator.qualities.length > 1 ? animator.qualities.at(-1) : undefined;
    out.push({
      command: 'video',
      prompt: 'the waves roll in gently',
      settings: { model: animator.id, ...(quality ? { quality } : {}) },
      images: 1,
    });
  }
  const reference = findModel(defaultModelFor('reference', catalog), catalog);
  if (reference?.modes.includes('reference')) {
    out.push({
      command: 'reference',
      prompt: 'the two friends share a coffee in Paris',
      settings: reference.sound ? { sound: true } : {},
      images: Math.min(2, reference.maxReferenceImages),
    });
  }
  return out;
}

const SUMMARIES: Record<string, string> = {
  models: 'models, lengths and prices in credits',
  quota: 'credits left today',
  history: 'your last 10 videos',
  cancel: 'stop your video in progress',
  help: 'this message',
  admin: 'settings, limits and moderation (admins only)',
};

/** How to use the bot: each command, how to give it inputs, its options, the buttons, examples. */
export function helpDoc(catalog: readonly ModelSpec[], words: HelpWords): Doc {
  const commands = availableCommands(catalog).map((c) => c.name);
  const sections: Section[] = [];
  const settingsLine = (command: GenerateCommandName): Line => [
    'Options: ',
    ...joined(
      offeredSettings(command, catalog).map((s) => [{ setting: s.key }]),
      ', ',
    ),
  ];
  for (const command of GENERATE_COMMANDS.filter((c) => commands.includes(c))) {
    const what =
      command === 'video'
        ? 'a clip from your words'
        : `keeps the people and things of your images in the clip (${defaultModelFor('reference', catalog)} by default)`;
    sections.push({ lines: [[{ command }, ' ', { prompt: true }, ` — ${what}`]] });
    sections.push({
      bullets: true,
      lines: [...words.attaching(command, commandInputs(command, catalog)), settingsLine(command)],
    });
  }
  sections.push({
    lines: commands
      .filter((c) => Object.hasOwn(SUMMARIES, c))
      .map((c): Line => [{ command: c }, ` — ${SUMMARIES[c]}`]),
  });
  sections.push({
    lines: [
      [
        'Under a status, ',
        { bold: 'Cancel' },
        ' stops your video (it will not count against your quota until the provider starts it), and ',
        { bold: 'Again' },
        ' makes another one like it.',
      ],
    ],
  });
  sections.push({
    heading: [{ bold: 'Examples' }],
    lines: examples(catalog).map((example): Line => [{ example }]),
  });
  if (words.footer) sections.push({ lines: words.footer });
  return { title: '🎬 I make short AI video clips', sections };
}

/** A model's label and id, and the commands it is the default of. */
function modelHeading(model: ModelSpec, catalog: readonly ModelSpec[]): Line {
  const defaults = GENERATE_COMMANDS.filter((c) => {
    const preferred = c === 'video' ? DEFAULT_VIDEO_MODEL : DEFAULT_REFERENCE_MODEL;
    return model.id === preferred && commandModels(c, catalog).some((m) => m.id === model.id);
  });
  const heading: Line = [
    { bold: model.label },
    ' · ',
    { code: model.id },
    ...(defaults.length > 0
      ? [
          ' — default for ',
          ...joined(
            defaults.map((c): Line => [{ command: c }]),
            ' and ',
          ),
        ]
      : []),
  ];
  return heading;
}

/** One model: what it does, lengths, ratios, qualities, extras and the credits of a clip. */
function modelSection(model: ModelSpec, catalog: readonly ModelSpec[]): Section {
  const heading = modelHeading(model, catalog);
  const lines: Line[] = [
    [model.description],
    [`Makes: ${modesText(model)} · Length: ${durationsText(model.durations)}`],
    [`Ratios: ${ratiosText(model)}`],
  ];
  if (model.qualities.length > 1)
    lines.push(['Quality (', { setting: 'quality' }, `): ${qualitiesText(model)}`]);
  const extras: Line[] = [
    ...(model.negativePrompt ? [[{ setting: 'negativePrompt' as const }]] : []),
    ...(model.cfgScale ? [[{ setting: 'cfgScale' as const }]] : []),
    ...(model.sound
      ? [[{ setting: 'sound' as const }, ` (${model.sound.default ? 'on' : 'off'} by default)`]]
      : []),
    ...(model.referenceVideo ? [['a reference video']] : []),
    ...(model.resolutions && model.resolutions.options.length > 1
      ? [
          [
            { setting: 'resolution' as const },
            ` (${model.resolutions.options.join(', ')}; ${model.resolutions.default} by default)`,
          ],
        ]
      : []),
    ...(model.seed ? [[{ setting: 'seed' as const }]] : []),
  ];
  if (extras.length > 0)
    lines.push([
      'Takes: ',
      ...joined(
        extras.map((e) => [...e]),
        ', ',
      ),
    ]);
  lines.push([
    `Credits per clip: ${priceRows(model)
      .map(({ label, row }) => `${label}${row}`)
      .join(' | ')}`,
  ]);
  return { heading, lines };
}

/** One model in a line under its heading: what it makes, its lengths, the credits of a clip. */
function briefSection(model: ModelSpec, catalog: readonly ModelSpec[]): Section {
  const heading = modelHeading(model, catalog);
  const credits = priceRows(model)
    .map(({ label, row }) => `${label}${row}`)
    .join(' | ');
  return { heading, lines: [[`${modesText(model)} · ${durationsText(model.durations)} · ${credits}`]] };
}

/**
 * Every model, and how to choose one. `brief`: one line each, for a platform whose message cannot
 * hold every model's details.
 */
export function modelsDoc(catalog: readonly ModelSpec[], options: { brief?: boolean } = {}): Doc {
  if (catalog.length === 0)
    return { title: '🎞 Models', sections: [{ lines: [['No models are available.']] }] };
  const section = options.brief ? briefSection : modelSection;
  return {
    title: '🎞 Models',
    sections: [
      ...catalog.map((m) => section(m, catalog)),
      { lines: [['Choose one with ', { setting: 'model' }, '.']] },
    ],
  };
}

/** "1,350 credits". */
export const creditsText = (n: number): string => `${n.toLocaleString('en-US')} credit${n === 1 ? '' : 's'}`;

/**
 * A person's credits for today, and about how many default clips they buy; the same words `/video`
 * gets when the bot takes no requests here.
 */
export function quotaDoc(view: QuotaView): Doc {
  if (view.kind === 'closed') {
    return { title: `🚫 ${messageFor(view.reason ?? { id: 'quota-closed' })}`, sections: [] };
  }
  const budgetLeft = view.budget ? Math.max(0, view.budget.limit - view.budget.used) : undefined;
  const spendable = Math.min(view.left, budgetLeft ?? Number.POSITIVE_INFINITY);
  const clips = view.clip.credits > 0 ? Math.floor(spendable / view.clip.credits) : 0;
  const inProgress = view.inFlight > 0 ? ` (${view.inFlight} in progress)` : '';
  const title = view.left > 0 ? `🎬 ${creditsText(view.left)} left today` : '⏳ No credits left today.';
  const lines: Line[] = [
    [
      `≈ ${clips} clip${clips === 1 ? '' : 's'} of ${view.clip.model} (${creditsText(view.clip.credits)} each).`,
    ],
    [`Used today: ${view.used.toLocaleString('en-US')} of ${creditsText(view.limit)}${inProgress}.`],
  ];
  if (view.budget && budgetLeft !== undefined) {
    lines.push([
      `The budget here: ${creditsText(budgetLeft)} left of ${view.budget.limit.toLocaleString('en-US')} today.`,
    ]);
  }
  lines.push(['Resets ', { time: view.resetsAt }, '.']);
  return { title, sections: [{ lines }] };
}

const OUTCOME_WORDS: Record<string, string> = {
  clip: '✅ done',
  cancelled: '🚫 cancelled',
  timeout: '⏱ timed out',
};

/** A history line's state in a few words. */
function historyState(item: HistoryItem): string {
  if (item.state === 'reserved') return '⏳ in progress';
  const outcome = item.outcome ?? (item.state === 'committed' ? 'clip' : 'failed');
  const words = OUTCOME_WORDS[outcome] ?? `❌ failed (${outcome})`;
  const charged = item.state === 'committed' ? creditsText(item.credits) : 'no charge';
  return `${words} · ${charged}`;
}

/** `/history`: the person's last jobs, newest first, and which can be posted again. */
export function historyDoc(items: readonly HistoryItem[]): Doc {
  if (items.length === 0) {
    return { title: '🗂 Your videos', sections: [{ lines: [['You have not made any videos yet.']] }] };
  }
  return {
    title: '🗂 Your last videos',
    sections: [
      {
        lines: items.map(
          (item, i): Line => [
            `${i + 1}. `,
            { bold: item.model },
            ` · “${shorten(item.prompt, 40)}” · ${historyState(item)} · `,
            { time: item.at },
            ...(item.live ? [' · can be posted again'] : []),
          ],
        ),
      },
    ],
  };
}

/** A history button's label: "▶ 2. kling-o1 “a fox…”". */
export const replayLabel = (item: HistoryItem, index: number): string =>
  `▶ ${index + 1}. ${item.model} “${shorten(item.prompt, 20)}”`;

/** What a press of a history button says when the clip can't be posted. */
export const REPLAY_ANSWERS = {
  gone: "That clip's link has expired, so I can't post it again.",
  'not-yours': 'Only the person who made that clip can post it again from /history.',
  busy: messageFor({ id: 'service-busy' }),
} as const;

/** The answer to a press of Cancel (or one choice of /cancel). */
export const CANCEL_ANSWERS: Record<CancelOutcome | 'busy', string> = {
  cancelling: "Cancelling… this one won't count against your quota.",
  stopping: 'Stopping… the provider had already started on it, so it still counts against your quota.',
  'not-yours': 'Only the person who asked for this clip can cancel it.',
  finished: 'This job has already finished.',
  'not-found': "I can't find this job any more.",
  busy: messageFor({ id: 'service-busy' }),
};

/** A job as a choice of /cancel: model, length, the start of the prompt, and whether it is paid. */
export const jobLabel = (view: StatusView): string =>
  `${view.model} · ${view.duration}s · “${shorten(view.prompt, 30)}”${view.paid ? ' (already paid)' : ''}`;

export const NOTHING_TO_CANCEL = 'You have nothing queued or running.';
export const WHICH_TO_CANCEL = 'You have several videos in progress. Which one should I stop?';
export const CANCEL_ALL_LABEL = 'All of them';

/** What /cancel did to several jobs. */
export function stoppedText(results: { outcome: CancelOutcome }[]): string {
  const first = results[0];
  if (results.length === 1 && first) return CANCEL_ANSWERS[first.outcome];
  const paid = results.filter((r) => r.outcome === 'stopping').length;
  const note =
    paid === 0
      ? " They won't count against your quota."
      : ` ${paid} had already been started by the provider and still count${paid === 1 ? 's' : ''} against your quota.`;
  return `Stopping ${results.length} videos.${note}`;
}
