import type { Redis } from 'ioredis';
import { type ValidRequest, validRequestSchema } from '../core/request.js';

/**
 * What Again needs of a job, kept apart from the job itself (which the queue may remove early under
 * load): its valid request, whose inputs are durable references (a platform's file id, a link the
 * platform can re-sign), never a download link that expires. Kept three days from the request, so
 * Again works for at least a day after the clip, whatever the queue keeps.
 */
export interface AgainStore {
  keep(jobId: string, request: ValidRequest): Promise<void>;
  read(jobId: string): Promise<ValidRequest | undefined>;
  /** Seconds the record of a job has left (for tests and operators); -2 when there is none. */
  ttl(jobId: string): Promise<number>;
}

export const AGAIN_TTL_S = 3 * 24 * 3600;

export function createAgainStore(redis: Redis, prefix: string): AgainStore {
  const key = (jobId: string) => `${prefix}:again:${jobId}`;
  return {
    async keep(jobId, request) {
      await redis.set(key(jobId), JSON.stringify(request), 'EX', AGAIN_TTL_S);
    },
    async read(jobId) {
      const json = await redis.get(key(jobId));
      if (json === null) return undefined;
      const parsed = validRequestSchema.safeParse(JSON.parse(json));
      return parsed.success ? parsed.data : undefined;
    },
    ttl: (jobId) => redis.ttl(key(jobId)),
  };
}
