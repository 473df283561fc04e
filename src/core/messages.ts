import type { ErrorId, UserError } from './errors.js';
import { orList, PLAIN_WORDS, type Vocabulary } from './words.js';

const list = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : String(v));
const mb = (bytes: unknown): string => `${Math.round(Number(bytes) / (1024 * 1024))} MB`;

type Details = NonNullable<UserError['details']>;

/** 40000000 → "40", 2500000 → "2.5". */
const megapixels = (pixels: unknown): string => String(Number((Number(pixels) / 1e6).toPrecision(3)));

const TYPE_NAMES: Record<string, string> = {
  'image/jpeg': 'a JPEG image',
  'image/png': 'a PNG image',
  'image/webp': 'a WebP image',
  'image/gif': 'a GIF',
  'image/bmp': 'a BMP image',
  'image/heic': 'a HEIC photo',
  'application/pdf': 'a PDF',
  'video/mp4': 'an MP4 video',
  'video/quicktime': 'a QuickTime video',
};

/** What to send instead: `['image/jpeg','image/png']` → "a JPEG or PNG image". */
const wanted = (allowed: unknown): string => {
  const types = (Array.isArray(allowed) ? allowed : []).map(String);
  const names = types.map((t) => (t.split('/')[1] ?? t).toUpperCase());
  const kind = types.length > 0 && types.every((t) => t.startsWith('video/')) ? 'video' : 'image';
  return `${/^[AEFHILMNORSX]/.test(names[0] ?? '') ? 'an' : 'a'} ${names.join(' or ')} ${kind}`;
};

/** A media type as a person names it: `application/pdf` → "a PDF". */
const typeName = (type: string): string =>
  Object.hasOwn(TYPE_NAMES, type) ? TYPE_NAMES[type]! : `a ${type} file`;

/** What a clip is made from in each generation mode: "can't make a clip from …". */
const MODE_SOURCES: Record<string, string> = {
  text: 'text alone',
  'first-frame': 'a first frame',
  'first-last': 'a first and a last frame',
  reference: 'reference images',
  motion: 'a character image and a driving video',
};

const modeSource = (mode: unknown): string =>
  Object.hasOwn(MODE_SOURCES, String(mode)) ? MODE_SOURCES[String(mode)]! : `${String(mode)} input`;

/** "no image", "1 video", "2 images". */
const counted = (n: unknown, thing: string): string => {
  const count = Number(n ?? 0);
  return count === 0 ? `no ${thing}` : `${count} ${thing}${count === 1 ? '' : 's'}`;
};

/** A command-line option as quoted in a sentence: `"--colour"`, or a stand-in when it is unknown. */
const option = (v: unknown): string => (v === undefined ? 'that option' : `"${v}"`);

/** The first letter up, for a name that starts a sentence ("the first image" → "The first image"). */
const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** " Models that do: a, b." — where other models take what this one refused; empty otherwise. */
const elsewhere = (d: Details, verb = 'do'): string =>
  Array.isArray(d.models) && d.models.length > 0 ? ` Models that ${verb}: ${list(d.models)}.` : '';

const utcTime = (epochMs: unknown): string => new Date(Number(epochMs)).toISOString().slice(11, 16);

/** "1 credit", "1,350 credits". */
const credits = (n: unknown): string =>
  `${Number(n).toLocaleString('en-US')} credit${Number(n) === 1 ? '' : 's'}`;

/** "12 seconds", "3 minutes": from `now` (epoch ms; the time of the refusal) to `at`. */
const secondsUntil = (at: unknown, now: unknown): string => {
  const s = Math.max(1, Math.ceil((Number(at) - Number(now ?? Date.now())) / 1000));
  if (s < 120) return `${s} second${s === 1 ? '' : 's'}`;
  return `${Math.ceil(s / 60)} minutes`;
};

/** "in 3 h 20 min". */
const untilText = (at: unknown, now: unknown): string => {
  const minutes = Math.max(1, Math.ceil((Number(at) - Number(now ?? Date.now())) / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `in ${h > 0 ? `${h} h ` : ''}${m} min`.replace(' 0 min', '');
};

type Message = (d: Details, w: Vocabulary) => string;

/** The words a person reads for each error id. Plain, specific, and saying what to do next. */
const MESSAGES: Record<ErrorId, Message> = {
  'unknown-model': (d) => `There is no model called "${d.model}". Choose one of: ${list(d.allowed)}.`,
  'model-ambiguous': (d, w) =>
    `"${d.model}" could be ${orList((Array.isArray(d.models) ? d.models : []).map(String))}. Say which with ${w.setting('model')}.`,
  'prompt-missing': () => 'Please describe the video you want: the prompt is empty.',
  'prompt-too-short': (d) => `The prompt is too short: write at least ${d.min} characters.`,
  'prompt-too-long': (d) =>
    `The prompt is ${d.length} characters long; this model takes at most ${d.max}. Please shorten it.`,
  'negative-prompt-too-long': (d) =>
    `The negative prompt is ${d.length} characters long; it may be at most ${d.max}.`,
  'negative-prompt-too-short': (d) => `The negative prompt is too short: write at least ${d.min} characters.`,
  'negative-prompt-unsupported': (d, w) =>
    `${d.model} does not take ${w.setting('negativePrompt')}.${elsewhere(d)}`,
  'duration-unsupported': (d) =>
    `${d.model} can't make a ${d.duration}-second clip. Choose one of: ${list(d.allowed)} seconds.${elsewhere(d, 'can')}`,
  'aspect-ratio-unsupported': (d, w) =>
    d.reason === 'follows-image'
      ? `With ${d.model}, an animated image keeps the image's own shape: leave out ${w.setting('aspectRatio')}.${elsewhere(d, 'let you choose')}`
      : `${d.model} doesn't do ${d.aspectRatio}. Choose one of: ${list(d.allowed)}.${elsewhere(d)}`,
  'quality-unsupported': (d) =>
    `${d.model} has no "${d.quality}" mode. Choose one of: ${list(d.allowed)}.${elsewhere(d, `have ${d.quality}`)}`,
  'cfg-scale-out-of-range': (d) =>
    `The guidance scale must be from ${d.min} to ${d.max}, in steps of ${d.step}.`,
  'cfg-scale-unsupported': (d, w) => `${d.model} does not take ${w.setting('cfgScale')}.${elsewhere(d)}`,
  'sound-unsupported': (d) => `${d.model} can't add sound.${elsewhere(d, 'can')}`,
  'resolution-unsupported': (d, w) =>
    Array.isArray(d.allowed) && d.allowed.length > 0
      ? `${d.model} doesn't make ${d.resolution} clips. Choose one of: ${list(d.allowed)}.${elsewhere(d)}`
      : `${d.model} makes clips of one resolution only: leave out ${w.setting('resolution')}.${elsewhere(d, 'let you choose')}`,
  'seed-out-of-range': (d) =>
    `The seed must be a whole number from ${d.min} to ${d.max}; "${d.seed}" is not one.`,
  'seed-unsupported': (d, w) => `${d.model} does not take ${w.setting('seed')}.${elsewhere(d)}`,
  'multi-shot-unsupported': (d) =>
    d.motion
      ? 'A motion-control clip is one shot: it follows the driving video.'
      : `${d.model} makes one continuous shot.${elsewhere(d, 'can cut between shots')}`,
  'mode-unsupported': (d) => {
    const allowed = Array.isArray(d.allowed) ? d.allowed.map(String) : [];
    if (d.mode === 'reference' && allowed.includes('reference')) {
      return `${d.model} needs at least one reference image.`;
    }
    if (d.mode === 'reference-video')
      return `${d.model} does not take a reference video.${elsewhere(d, 'do')}`;
    const works = allowed.length > 0 ? `; it works from ${orList(allowed.map(modeSource))}` : '';
    return `${d.model} can't make a clip from ${modeSource(d.mode)}${works}.${elsewhere(d, 'can')}`;
  },
  'last-frame-without-first': () => 'A last frame needs a first frame too.',
  'frames-and-references': () => 'Use either first/last frames or reference images, not both.',
  'too-many-references': (d) => `You sent ${d.count} reference images; the most is ${d.max}.`,
  'motion-inputs': (d, w) =>
    `${w.command('motion')} takes one image of the character and one video of the motion to copy; you sent ${counted(d.images, 'image')} and ${counted(d.videos, 'video')}.`,
  'model-retired': (d) =>
    `${d.model} is no longer offered${d.replacement === undefined ? '' : `: use ${d.replacement} instead`}.${d.note === undefined ? '' : ` ${d.note}`}`,
  'image-type-unsupported': (d, w) =>
    `${capital(w.input(String(d.input)))} is ${d.type === undefined ? 'not a file we can read' : typeName(String(d.type))}; please send ${wanted(d.allowed)}.`,
  'image-too-large': (d, w) =>
    d.reason === 'platform'
      ? `${capital(w.input(String(d.input)))} is ${mb(d.size)}; bots can download at most ${mb(d.max)} here. Please send a smaller one.`
      : `${capital(w.input(String(d.input)))} is ${mb(d.size)}; the limit is ${mb(d.max)}.`,
  'image-too-small': (d, w) =>
    `${capital(w.input(String(d.input)))} is too small: each side must be at least ${d.min} pixels.`,
  'image-dimensions-too-large': (d, w) =>
    `${capital(w.input(String(d.input)))} is too large: each side must be at most ${d.max} pixels.`,
  'option-unknown': (d) =>
    `I don't know ${d.option === undefined ? 'that option' : `the option ${option(d.option)}`}.` +
    (d.known === undefined ? '' : ` Options: ${list(d.known)}.`),
  'option-missing-value': (d) =>
    `${d.option === undefined ? 'That option' : `The option ${option(d.option)}`} needs a value` +
    (d.example === undefined ? '.' : `, for example: ${d.example}.`),
  'option-invalid': (d) =>
    `${d.value === undefined ? 'That' : `"${d.value}"`} isn't a valid value for ${option(d.option)}` +
    (d.expected === undefined ? '.' : `: use ${d.expected}.`),
  'too-many-frames': (d, w) =>
    `${w.command('video')} takes one image (to animate) or two (first and last frame); you sent ${d.count}.` +
    (d.max === undefined ? '' : ` For up to ${d.max} reference images, use ${w.command('reference')}.`),
  'quota-exhausted': (d) =>
    d.credits === undefined
      ? `You've used your ${credits(d.limit)} for today. They reset at ${utcTime(d.resetsAt)} UTC.`
      : `This clip costs ${credits(d.credits)} and you have ${credits(Math.max(0, Number(d.limit) - Number(d.used)))} of your ${d.limit} left today. They reset at ${utcTime(d.resetsAt)} UTC.`,
  'quota-closed': () => 'This bot is not taking video requests here.',
  'too-many-in-flight': (d, w) =>
    `You already have ${d.limit} video${d.limit === 1 ? '' : 's'} in progress, the most at once. Wait for one to finish, or stop one with ${w.command('cancel')}.`,
  cooldown: (d) =>
    `Please wait a little between requests: you can ask again in ${secondsUntil(d.clearsAt, d.now)}.`,
  'community-budget': (d, w) =>
    `This ${w.community}'s daily budget is spent${d.credits === undefined ? '' : ` (this clip costs ${credits(d.credits)}, ${credits(Math.max(0, Number(d.limit) - Number(d.used)))} are left)`}. It resets at ${utcTime(d.resetsAt)} UTC.`,
  'service-cap': (d) =>
    `The service's daily budget is spent. It resets at 00:00 UTC${d.resetsAt === undefined ? '' : ` (${untilText(d.resetsAt, d.now)})`}.`,
  'not-allowed-here': () =>
    "This bot isn't available here: the operator has not allowed this server or group. Ask them to add it.",
  'private-not-allowed': () =>
    "This bot doesn't take requests in private chats. Use it in a server or group where it is available.",
  'blocked-here': (_d, w) =>
    `You're blocked from making videos in this ${w.community}. Ask its admins if you think it's a mistake.`,
  'blocked-everywhere': () => "You're blocked from making videos with this bot.",
  'paused-here': (_d, w) => `This ${w.community}'s admins have paused video requests. Try again later.`,
  'service-paused': () => 'The bot is paused by its operator: no new videos for now. Try again later.',
  'channel-not-allowed': (d) =>
    `Video requests aren't taken in this channel.${Array.isArray(d.channels) && d.channels.length > 0 ? ` Use ${list(d.channels)}.` : ''}`,
  'model-not-allowed': (d, w) =>
    `${d.model} isn't allowed in this ${w.community}.${Array.isArray(d.models) && d.models.length > 0 ? ` Allowed here: ${list(d.models)}.` : ' No model is allowed here right now.'}`,
  'blocked-word': (d) =>
    `Your prompt contains "${d.word}", a word that is blocked here. Please rephrase it. Nothing was charged.`,
  'not-admin': (_d, w) => `Only admins of this ${w.community} can do that.`,
  'again-expired': (_d, w) =>
    `That clip is too old to make again: use ${w.command('video')} to start a new one.`,
  'again-elsewhere': (_d, w) =>
    `That clip was made somewhere else, so it can't be made again here: use ${w.command('video')} to start a new one.`,
  'inputs-gone': (_d, w) =>
    `The images that clip was made from are no longer available, so I can't make it again. Send them again with ${w.command('video')}.`,
  'service-busy': () => 'The service is busy right now. Please try again in a minute.',
  'no-provider': (d) =>
    `${d.model} isn't available on this server right now (no provider is configured for it).`,
  'image-download-failed': (d, w) =>
    `I couldn't download ${d.input === undefined ? 'an image' : w.input(String(d.input))}. Please send it again.`,
  'image-download-refused': (d, w) =>
    `I can't download ${d.input === undefined ? 'an image' : w.input(String(d.input))}: its link leads somewhere I don't download from. Please upload the image itself.`,
  'image-not-an-image': (d, w) =>
    `${d.input === undefined ? 'A file' : capital(w.input(String(d.input)))} isn't ${wanted(d.allowed ?? ['image/jpeg', 'image/png'])}.`,
  'image-too-many-pixels': (d, w) =>
    `${capital(w.input(String(d.input)))} ${d.width === undefined || d.height === undefined ? 'has too many pixels' : `is ${d.width}×${d.height} pixels`}; the most is ${megapixels(d.max)} megapixels. Please send a smaller one.`,
  'video-too-long': (d, w) =>
    `${capital(w.input(String(d.input)))} is ${d.seconds} seconds long; the most is ${d.max} seconds.`,
  'content-rejected': () =>
    "The video provider's content filter rejected this request. Try a different prompt or image.",
  'provider-account': () =>
    "The video provider refused this server's account (key or balance). An admin has to fix it.",
  'provider-rejected-request': () => 'The video provider rejected the request as invalid.',
  'provider-unavailable': () => 'The video provider is unavailable right now. Please try again later.',
  'generation-failed': () => 'The video provider failed to make this clip.',
  timeout: () => 'This took too long and was stopped.',
  cancelled: () => 'Cancelled.',
  'delivery-failed': () =>
    "The clip was made, but I couldn't post it here. An admin can find it in the logs.",
  internal: () => 'Something went wrong on our side.',
};

/** The message for a user-facing error, in the words of the platform it is shown on. */
export function messageFor(error: UserError, words: Vocabulary = PLAIN_WORDS): string {
  return MESSAGES[error.id](error.details ?? {}, words);
}
