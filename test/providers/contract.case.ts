import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/catalog/models.js';
import type { Route } from '../../src/core/catalog.js';
import type { ValidRequest } from '../../src/core/request.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { TaskStatus, VideoProvider } from '../../src/providers/provider.js';
import type { ProviderFake } from '../fakes/provider.js';
import { makePng } from '../helpers/media.js';

export interface ContractSubject {
  name: string;
  createFake(): Promise<ProviderFake>;
  createProvider(fake: ProviderFake, options?: { apiKey?: string; timeoutMs?: number }): VideoProvider;
}

const model = CATALOG.find((m) => m.id === 'kling-2.5-turbo-pro')!;

const request = (mode: ValidRequest['mode']): ValidRequest => ({
  model: model.id,
  mode,
  prompt: 'a lighthouse in a storm, waves crashing',
  duration: 5,
  quality: 'pro',
  cfgScale: 0.5,
  ...(mode === 'text' ? { aspectRatio: '16:9' } : {}),
  images: {},
  credits: 175,
});

/**
 * The contract every VideoProvider keeps, run against each implementation and its fake (in the
 * manner of Hono's `runTest({ newRouter })`): what the worker relies on, and nothing else.
 */
export function runProviderContract(subject: ContractSubject): void {
  describe(`VideoProvider contract: ${subject.name}`, () => {
    let fake: ProviderFake;
    let provider: VideoProvider;
    const route = (): Route => model.routes.find((r) => r.provider === provider.name)!;
    const submit = (mode: ValidRequest['mode'], media = {}) =>
      provider.submit({
        route: route(),
        request: request(mode),
        media,
        ...(provider.clientTaskIds ? { clientTaskId: crypto.randomUUID() } : {}),
      });
    const pollUntilDone = async (taskId: string): Promise<TaskStatus> => {
      for (let i = 0; i < 20; i++) {
        const status = await provider.check(taskId);
        if (status.state !== 'pending') return status;
      }
      throw new Error('task never finished');
    };

    beforeEach(async () => {
      fake = await subject.createFake();
      provider = subject.createProvider(fake);
    });
    afterEach(async () => {
      await fake.close();
    });

    it('stages an image: the provider holds exactly its bytes under the handle returned', async () => {
      const bytes = makePng(400, 300, 5);
      const handle = await provider.stageMedia({
        bytes,
        contentType: 'image/png',
        filename: 'first_frame.png',
      });
      expect(fake.media()).toHaveLength(1);
      expect(fake.media()[0]!.bytes).toEqual(bytes);
      expect(fake.media()[0]!.handle).toBe(handle);
    });

    it('walks a task from submit to a downloadable MP4, reporting progress on the way', async () => {
      const first = await provider.stageMedia({
        bytes: makePng(400, 300, 1),
        contentType: 'image/png',
        filename: 'a.png',
      });
      const submitted = await submit('first-frame', { first: first });
      expect(submitted.status.state).toBe('pending');
      const seen: TaskStatus[] = [];
      for (;;) {
        const status = await provider.check(submitted.taskId);
        seen.push(status);
        if (status.state !== 'pending') break;
      }
      const done = seen.at(-1)!;
      if (done.state !== 'succeeded') throw new Error(`ended ${done.state}`);
      expect(seen.slice(0, -1).every((s) => s.state === 'pending')).toBe(true);
      const clip = Buffer.from(await (await fetch(done.videoUrl)).arrayBuffer());
      expect(clip).toEqual(fake.video);
      expect(fake.submitCount()).toBe(1);
    });

    it('sends the key as a Bearer header on every call', async () => {
      await provider.stageMedia({ bytes: makePng(400, 300, 2), contentType: 'image/png', filename: 'a.png' });
      const { taskId } = await submit('text');
      await provider.check(taskId);
      const calls = fake.server.requests.filter((r) => r.kind !== 'download' && r.kind !== 'file');
      expect(calls.length).toBeGreaterThanOrEqual(3);
      for (const call of calls) expect(call.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    });

    it('an unknown task id is not-found', async () => {
      const unknown = provider.clientTaskIds ? crypto.randomUUID() : '1999999999999999999';
      await expect(provider.check(unknown)).rejects.toMatchObject({ kind: 'not-found' });
    });

    it('a wrong key is an account error that does not repeat the key', async () => {
      const wrong = subject.createProvider(fake, { apiKey: 'wrong-key-0123456789' });
      const error = await wrong
        .stageMedia({ bytes: makePng(400, 300, 3), contentType: 'image/png', filename: 'a.png' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'account', provider: provider.name });
      expect(String((error as Error).message)).not.toContain('wrong-key-0123456789');
    });

    it('429 is rate-limited with the Retry-After it named', async () => {
      fake.server.inject('rate-limit', { on: 'submit', retryAfterSeconds: 3 });
      await expect(submit('text')).rejects.toMatchObject({ kind: 'rate-limited', retryAfterMs: 3_000 });
    });

    for (const fault of ['server-error', 'drop'] as const) {
      it(`${fault} is transient`, async () => {
        fake.server.inject(fault, { on: 'submit' });
        await expect(submit('text')).rejects.toMatchObject({ kind: 'transient' });
      });
    }

    it('an answer slower than the time limit is transient', async () => {
      const impatient = subject.createProvider(fake, { timeoutMs: 200 });
      fake.server.slowMs = 1_000;
      fake.server.inject('slow', { on: 'query' });
      const { taskId } = await submit('text');
      await expect(impatient.check(taskId)).rejects.toMatchObject({ kind: 'transient' });
    });

    it('content rejected at submit throws content-rejected', async () => {
      fake.server.inject('content-rejected', { on: 'submit' });
      await expect(submit('text')).rejects.toMatchObject({ kind: 'content-rejected' });
    });

    it('content rejected while generating is a failed status of kind content-rejected', async () => {
      const { taskId } = await submit('text');
      fake.server.inject('content-rejected', { on: 'query' });
      const status = await pollUntilDone(taskId);
      expect(status.state === 'failed' && status.error.kind).toBe('content-rejected');
    });

    it('out of balance is an account error', async () => {
      fake.server.inject('no-balance', { on: 'submit' });
      await expect(submit('text')).rejects.toMatchObject({ kind: 'account' });
    });

    it('a task that fails at the provider is a failed status, not a thrown error', async () => {
      const { taskId } = await submit('text');
      fake.server.inject('task-failed', { on: 'query' });
      const status = await pollUntilDone(taskId);
      expect(status.state).toBe('failed');
      expect(status.state === 'failed' && status.error.retryable).toBe(false);
    });

    it('a plain HTTP 400 is bad-request, never retryable', async () => {
      fake.server.inject('client-error', { on: 'submit' });
      const error = await submit('text').catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'bad-request', retryable: false });
    });
  });
}
