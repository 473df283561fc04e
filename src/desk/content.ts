import { FAMILIES } from '../catalog/models.js';
import { findModel, MIB, type ModelSpec } from '../core/catalog.js';
import { messageFor } from '../core/messages.js';
import type { GenerationMode } from '../core/request.js';
import { orList } from '../core/words.js';
import type { CancelOutcome } from '../jobs/intake.js';
import {
  availableCommands,
  commandInputs,
  commandModels,
  DEFAULT_MOTION_MODEL,
  DEFAULT_REFERENCE_MODEL,
  DEFAULT_VIDEO_MODEL,
  defaultModelFor,
  GENERATE_COMMANDS,
  type GenerateCommandName,
  offeredSettings,
} from './commands.js';
import type { HistoryItem, QuotaView } from './desk.js';
import { type Doc, type Example, type HelpWords, joined, type Line, type Section } from './docs.js';
import {
  cheapestClip,
  durationsText,
  modesText,
  priceRows,
  qualitiesText,
  ratiosText,
  shorten,
  unique,
} from './format.js';
import { resolveModel } from './models.js';
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
        : command === 'motion'
          ? `moves the character of an image the way a video moves (${defaultModelFor('motion', catalog)} by default)`
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
    const preferred =
      c === 'video' ? DEFAULT_VIDEO_MODEL : c === 'motion' ? DEFAULT_MOTION_MODEL : DEFAULT_REFERENCE_MODEL;
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
    ...(model.multiShot ? [[{ setting: 'multiShot' as const }]] : []),
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

/** A mode in a word or two, for a line per model. */
const MODE_SHORT: Record<GenerationMode, string> = {
  text: 'text',
  'first-frame': 'image',
  'first-last': 'first+last',
  reference: 'reference',
  motion: 'motion',
};

/** The catalog's models by family, in the order of `FAMILIES`, then any family it does not list. */
export function byFamily(catalog: readonly ModelSpec[]): { label: string; models: ModelSpec[] }[] {
  const ids = unique([...FAMILIES.map((f) => f.id), ...catalog.map((m) => m.family)]);
  return ids.flatMap((id) => {
    const models = catalog.filter((m) => m.family === id);
    const label = FAMILIES.find((f) => f.id === id)?.label ?? id;
    return models.length > 0 ? [{ label, models }] : [];
  });
}

/** " — default for /video": the commands a model is the default of, if any. */
function defaultOf(model: ModelSpec, catalog: readonly ModelSpec[]): Line {
  const heading = modelHeading(model, catalog);
  return heading.slice(3);
}

/** One model in a line: its id, what it makes, its lengths, and what its cheapest clip costs. */
const briefLine = (model: ModelSpec, catalog: readonly ModelSpec[]): Line => [
  { code: model.id },
  ` ${model.modes.map((m) => MODE_SHORT[m]).join(', ')} · ${durationsText(model.durations)} · from ${cheapestClip(model)}`,
  ...defaultOf(model, catalog),
];

/** How much of each model `/models` shows: every detail, a line each, or only the ids. */
export type ModelsDetail = 'full' | 'brief' | 'names';

/** The closing lines of `/models`: how to choose one, short names, and how to see one in detail. */
function choosing(catalog: readonly ModelSpec[]): Section {
  const alias = catalog.find((m) => m.aliases?.length)?.aliases?.[0];
  return {
    lines: [
      [
        'Choose one with ',
        { setting: 'model' },
        ...(alias ? [' (short names work: ', { code: alias }, ')'] : []),
        '. One model’s options and prices: ',
        { command: 'models' },
        ' with its name.',
      ],
    ],
  };
}

/**
 * Every model, grouped by family, and how to choose one. `detail`: `full` (each model's details),
 * `brief` (a line each: modes, lengths, the cheapest clip in credits) or `names` (the ids of each
 * family), for platforms whose message cannot hold more.
 */
export function modelsDoc(catalog: readonly ModelSpec[], options: { detail?: ModelsDetail } = {}): Doc {
  if (catalog.length === 0)
    return { title: '🎞 Models', sections: [{ lines: [['No models are available.']] }] };
  const families = byFamily(catalog);
  const detail = options.detail ?? 'full';
  const heading = (label: string): Line => ['▸ ', { bold: label }];
  const sections: Section[] =
    detail === 'full'
      ? families.flatMap((f) => [
          { heading: heading(f.label), lines: [] },
          ...f.models.map((m) => modelSection(m, catalog)),
        ])
      : detail === 'brief'
        ? families.map((f) => ({
            heading: heading(f.label),
            lines: f.models.map((m) => briefLine(m, catalog)),
          }))
        : [
            {
              lines: families.map(
                (f): Line => [
                  { bold: f.label },
                  ': ',
                  ...joined(
                    f.models.map((m): Line => [{ code: m.id }]),
                    ', ',
                  ),
                ],
              ),
            },
          ];
  const title = detail === 'brief' ? '🎞 Models (credits: the cheapest clip)' : '🎞 Models';
  return { title, sections: [...sections, choosing(catalog)] };
}

/** The most detailed `/models` that `fits` (a platform's message limit), else the shortest. */
export function fittingModelsDoc(catalog: readonly ModelSpec[], fits: (doc: Doc) => boolean): Doc {
  const details: ModelsDetail[] = ['full', 'brief', 'names'];
  const docs = details.map((detail) => modelsDoc(catalog, { detail }));
  return docs.find(fits) ?? (docs.at(-1) as Doc);
}

/** "JPEG, PNG or WebP, up to 10 MB, at least 300 px a side". */
function imageLimitsText(limits: ModelSpec['images']): string {
  const types = orList(unique(limits.types.map((t) => (t.split('/')[1] ?? t).toUpperCase())));
  const side = `at least ${limits.minSide} px${limits.maxSide ? ` and at most ${limits.maxSide} px` : ''} a side`;
  return `${types}, up to ${Math.round(limits.maxBytes / MIB)} MB, ${side}`;
}

/** `/models <name>`: one model's modes, options, limits and credits. */
export function modelDoc(model: ModelSpec, catalog: readonly ModelSpec[]): Doc {
  const takes = (...line: Line): Line[] => [line];
  const options: Line[] = [
    [`Makes: ${modesText(model)}`],
    [`Length: ${durationsText(model.durations)} (${model.defaultDuration} s by default)`],
    [
      `Ratios: ${ratiosText(model)}${model.aspectRatioModes.length > 0 ? ` — ${model.defaultAspectRatio} by default` : ''}`,
    ],
    [`Prompt: ${model.prompt.minLength}–${model.prompt.maxLength} characters`],
    ...(model.qualities.length > 1
      ? takes('Quality (', { setting: 'quality' }, `): ${qualitiesText(model)}`)
      : []),
    ...(model.resolutions && model.resolutions.options.length > 1
      ? takes(
          'Resolution (',
          { setting: 'resolution' },
          `): ${model.resolutions.options.join(', ')} (${model.resolutions.default} by default)`,
        )
      : []),
    ...(model.sound
      ? takes('Sound (', { setting: 'sound' }, `): ${model.sound.default ? 'on' : 'off'} by default`)
      : []),
    ...(model.negativePrompt
      ? takes(
          'Negative prompt (',
          { setting: 'negativePrompt' },
          `): up to ${model.negativePrompt.maxLength} characters`,
        )
      : []),
    ...(model.cfgScale
      ? takes(
          'Guidance (',
          { setting: 'cfgScale' },
          `): ${model.cfgScale.min}–${model.cfgScale.max} (${model.cfgScale.default} by default)`,
        )
      : []),
    ...(model.seed ? takes('Seed (', { setting: 'seed' }, `): ${model.seed.min}–${model.seed.max}`) : []),
    ...(model.multiShot
      ? takes(
          'Several shots (',
          { setting: 'multiShot' },
          '): the model cuts between shots it chooses; off by default',
        )
      : []),
    ...(model.modes.some((m) => m !== 'text') ? [[`Images: ${imageLimitsText(model.images)}`]] : []),
    ...(model.modes.includes('reference') ? [[`Reference images: up to ${model.maxReferenceImages}`]] : []),
    ...(model.referenceVideo
      ? [
          [
            `Reference video: ${orList(model.referenceVideo.types.map((t) => (t.split('/')[1] ?? t).toUpperCase()))}, up to ${model.referenceVideo.maxSeconds} s and ${Math.round(model.referenceVideo.maxBytes / MIB)} MB`,
          ],
        ]
      : []),
    ...(model.motion
      ? [
          [
            'Motion control (',
            { command: 'motion' },
            `): a character image up to ${Math.round(model.motion.image.maxBytes / MIB)} MB and a driving video up to ${model.motion.video.maxSeconds} s and ${Math.round(model.motion.video.maxBytes / MIB)} MB; the clip is as long as the video, charged as ${model.motion.video.maxSeconds} s`,
          ],
        ]
      : []),
  ];
  const family = byFamily(catalog).find((f) => f.models.includes(model))?.label ?? model.family;
  const also = model.aliases?.length ? ` · also called ${model.aliases.join(', ')}` : '';
  return {
    title: `🎞 ${model.label}`,
    sections: [
      { heading: modelHeading(model, catalog), lines: [[model.description], [`Family: ${family}${also}`]] },
      { lines: options, bullets: true },
      {
        heading: [{ bold: 'Credits per clip' }],
        lines: priceRows(model, { resolutions: true }).map(({ label, row }): Line => [`${label}${row}`]),
        bullets: true,
      },
    ],
  };
}

/**
 * `/models <name>`: the model a name stands for in detail; for a name several models fit, them; for
 * one no model has, the ids to choose from.
 */
export function modelAnswer(typed: string, catalog: readonly ModelSpec[]): Doc {
  const match = resolveModel(typed, catalog);
  if (match.kind === 'found') return modelDoc(match.model, catalog);
  if (match.kind === 'ambiguous') {
    return {
      title: `🎞 “${typed}” could be ${match.models.length} models`,
      sections: [{ lines: match.models.map((m) => briefLine(m, catalog)) }, choosing(catalog)],
    };
  }
  return {
    title: `There is no model called “${typed}”.`,
    sections: modelsDoc(catalog, { detail: 'names' }).sections,
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
