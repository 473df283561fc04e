import {
  type DeliverPayload,
  deliverPayloadSchema,
  type GeneratePayload,
  generatePayloadSchema,
} from './payloads.js';

/**
 * Jobs queued by version 1 (before platforms and providers were opaque to jobs) read as version 2,
 * so an upgrade mid-flight loses no paid clip. What changed, generically — no platform or provider is
 * named here:
 * - a delivery target `{kind, ...fields}` became `{platform: kind, data: fields}`;
 * - a media source `{kind, <one field>}` became `{kind, id}`;
 * - the generate state became a union narrowed by step;
 * - a failure outcome says whether its unit was refunded (v1 refunded every failure but a failed post).
 */

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A generate payload of either version, as version 2; undefined when it is neither. */
export function readGeneratePayload(data: unknown): GeneratePayload | undefined {
  const parsed = generatePayloadSchema.safeParse(isRecord(data) && data.v === 1 ? generateV1(data) : data);
  return parsed.success ? parsed.data : undefined;
}

/** A deliver payload of either version, as version 2; undefined when it is neither. */
export function readDeliverPayload(data: unknown): DeliverPayload | undefined {
  const parsed = deliverPayloadSchema.safeParse(isRecord(data) && data.v === 1 ? deliverV1(data) : data);
  return parsed.success ? parsed.data : undefined;
}

function target(value: unknown): unknown {
  if (!isRecord(value) || typeof value.kind !== 'string') return value;
  const { kind, ...data } = value;
  return { platform: kind, data };
}

function source(value: unknown): unknown {
  if (!isRecord(value) || typeof value.kind !== 'string') return value;
  const { kind, ...rest } = value;
  const only = Object.values(rest).find((v) => typeof v === 'string');
  return { kind, id: only };
}

function media(value: unknown): unknown {
  return isRecord(value) ? { ...value, source: source(value.source) } : value;
}

function request(value: unknown): unknown {
  if (!isRecord(value) || !isRecord(value.images)) return value;
  const { first, last, references, video } = value.images;
  const images: Json = {};
  if (first !== undefined) images.first = media(first);
  if (last !== undefined) images.last = media(last);
  if (Array.isArray(references)) images.references = references.map(media);
  if (video !== undefined) images.video = media(video);
  return { ...value, images };
}

function state(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const excluded = Array.isArray(value.excluded) ? value.excluded : [];
  const { provider, taskId, submittedAt } = value;
  switch (value.step) {
    case 'submit':
      return { ...value, excluded, staged: value.staged ?? {}, submitStarted: value.submitStarted ?? false };
    case 'poll':
      return { step: 'poll', excluded, provider, taskId, submittedAt: submittedAt ?? Date.now() };
    case 'handover': {
      const result = value.error
        ? { kind: 'failed', error: value.error }
        : { kind: 'clip', videoUrl: value.videoUrl };
      return { step: 'handover', provider, taskId, ...(submittedAt ? { submittedAt } : {}), result };
    }
    case 'done':
      return value.error ? { step: 'done', error: value.error } : { step: 'done' };
    default:
      return { step: 'prepare', excluded };
  }
}

function generateV1(data: Json): Json {
  return {
    ...data,
    v: 2,
    request: request(data.request),
    target: target(data.target),
    state: state(data.state),
  };
}

function deliverV1(data: Json): Json {
  const outcome = isRecord(data.outcome) ? data.outcome : {};
  const error = isRecord(outcome.error) ? outcome.error : undefined;
  return {
    ...data,
    v: 2,
    request: request(data.request),
    target: target(data.target),
    outcome:
      outcome.kind === 'failure'
        ? { kind: 'failure', error, refunded: error?.id !== 'delivery-failed' }
        : outcome,
  };
}
