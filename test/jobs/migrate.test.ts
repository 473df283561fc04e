import { describe, expect, it } from 'vitest';
import { providerCharges } from '../../src/jobs/generate/failure.js';
import { readDeliverPayload, readGeneratePayload } from '../../src/jobs/migrate.js';
import type { GenerateState } from '../../src/jobs/payloads.js';

/** A generate payload as version 1 wrote it, before platforms and providers were opaque to jobs. */
const v1 = (state: Record<string, unknown>, target: Record<string, unknown>) => ({
  v: 1,
  request: {
    model: 'kling-2.5-turbo-pro',
    mode: 'first-last',
    prompt: 'day turns into night',
    duration: 5,
    quality: 'pro',
    cfgScale: 0.5,
    images: {
      first: { source: { kind: 'url', url: 'https://cdn.example/a.png' }, contentType: 'image/png' },
      last: { source: { kind: 'telegram', fileId: 'AgACAgIAAxkBAAI' } },
    },
    credits: 175,
  },
  requester: { platform: 'telegram', userId: '42', displayName: '@ann' },
  target,
  charged: true,
  createdAt: 1_700_000_000_000,
  deadlineAt: 1_700_001_800_000,
  state,
});

const TELEGRAM_V1 = { kind: 'telegram', chatId: -100123, messageId: 7, threadId: 3 };
const DISCORD_V1 = {
  kind: 'discord',
  applicationId: '1098765432109876543',
  interactionToken: 'aW50ZXJhY3Rpb24',
  interactionAt: 1_700_000_000_000,
  channelId: '1111',
  userId: '2222',
  attachmentSizeLimit: 10_485_760,
  canPostInChannel: true,
};

describe('jobs queued by version 1 read as version 2', () => {
  it('a target becomes {platform, data} and a media source {kind, id}, whatever the platform', () => {
    const tg = readGeneratePayload(v1({ step: 'prepare', excluded: [] }, TELEGRAM_V1));
    expect(tg?.v).toBe(2);
    expect(tg?.target).toEqual({
      platform: 'telegram',
      data: { chatId: -100123, messageId: 7, threadId: 3 },
    });
    expect(tg?.request.images.first?.source).toEqual({ kind: 'url', id: 'https://cdn.example/a.png' });
    expect(tg?.request.images.last?.source).toEqual({ kind: 'telegram', id: 'AgACAgIAAxkBAAI' });
    const { kind: _, ...data } = DISCORD_V1;
    expect(readGeneratePayload(v1({ step: 'prepare', excluded: [] }, DISCORD_V1))?.target).toEqual({
      platform: 'discord',
      data,
    });
  });

  it('each step keeps what the next one needs, so an in-flight paid job carries on', () => {
    const read = (state: Record<string, unknown>) => readGeneratePayload(v1(state, TELEGRAM_V1))?.state;
    expect(
      read({
        step: 'submit',
        provider: 'runware',
        staged: { first: 'u1' },
        clientTaskId: 'c',
        submitStarted: true,
      }),
    ).toEqual({
      step: 'submit',
      excluded: [],
      provider: 'runware',
      staged: { first: 'u1' },
      clientTaskId: 'c',
      submitStarted: true,
    });
    expect(
      read({ step: 'poll', provider: 'runninghub', taskId: 't1', submittedAt: 5, excluded: ['runware'] }),
    ).toEqual({
      step: 'poll',
      excluded: ['runware'],
      provider: 'runninghub',
      taskId: 't1',
      submittedAt: 5,
    });
    expect(
      read({ step: 'handover', provider: 'runninghub', taskId: 't1', videoUrl: 'https://x/v.mp4' }),
    ).toEqual({
      step: 'handover',
      provider: 'runninghub',
      taskId: 't1',
      result: { kind: 'clip', videoUrl: 'https://x/v.mp4' },
    });
    expect(
      read({ step: 'handover', provider: 'runninghub', taskId: 't1', error: { id: 'content-rejected' } }),
    ).toMatchObject({ step: 'handover', result: { kind: 'failed', error: { id: 'content-rejected' } } });
    expect(read({ step: 'done', error: { id: 'timeout' } })).toEqual({
      step: 'done',
      error: { id: 'timeout' },
    });
  });

  it('a v1 failure outcome says it was refunded, unless the clip was made but not posted', () => {
    const deliver = (outcome: Record<string, unknown>) =>
      readDeliverPayload({
        ...v1({ step: 'done' }, TELEGRAM_V1),
        v: 1,
        generateJobId: 'job-1',
        outcome,
        readyAt: 1,
      })?.outcome;
    expect(deliver({ kind: 'failure', error: { id: 'content-rejected' } })).toEqual({
      kind: 'failure',
      error: { id: 'content-rejected' },
      refunded: true,
    });
    expect(deliver({ kind: 'clip', videoUrl: 'https://x/v.mp4', provider: 'runware' })).toEqual({
      kind: 'clip',
      videoUrl: 'https://x/v.mp4',
      provider: 'runware',
    });
  });

  it('anything else is malformed', () => {
    expect(readGeneratePayload({ v: 2, what: 'is this' })).toBeUndefined();
    expect(readGeneratePayload({ v: 1 })).toBeUndefined();
    expect(readDeliverPayload('nope')).toBeUndefined();
  });
});

describe('the money rule reads the saved state', () => {
  const states: [string, GenerateState, boolean][] = [
    ['nothing done yet', { step: 'prepare', excluded: [] }, false],
    [
      'inputs staged, not submitted',
      { step: 'submit', excluded: [], provider: 'runninghub', staged: {}, submitStarted: false },
      false,
    ],
    [
      'the provider took the task',
      { step: 'poll', excluded: [], provider: 'p', taskId: 't', submittedAt: 1 },
      true,
    ],
    [
      'the clip is made',
      { step: 'handover', provider: 'p', taskId: 't', result: { kind: 'clip', videoUrl: 'u' } },
      true,
    ],
    [
      'the provider reported the task failed',
      {
        step: 'handover',
        provider: 'p',
        taskId: 't',
        result: { kind: 'failed', error: { id: 'generation-failed' } },
      },
      false,
    ],
    ['ended and refunded', { step: 'done', refunded: true }, false],
    ['ended and kept', { step: 'done', refunded: false }, true],
  ];
  it.each(states)('%s: the provider charges → %s', (_, state, charges) => {
    expect(providerCharges(state)).toBe(charges);
  });
});
