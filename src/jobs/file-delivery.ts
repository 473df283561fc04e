import { copyFile, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ChatDelivery, DeliveryTarget } from '../core/ports.js';

/** The platform name of the `file` target: the command line's. */
export const FILE_PLATFORM = 'file';

const fileTargetSchema = z.object({ path: z.string().min(1) });

/** A target that writes the clip to `path` on the worker's machine. */
export const fileTarget = (path: string): DeliveryTarget => ({ platform: FILE_PLATFORM, data: { path } });

/**
 * The `file` delivery: writes the clip to a path on this machine. Used by the command-line tool and
 * the tests. The write goes to a temporary name first and is renamed into place, so a crash never
 * leaves half a clip under the real name, and a repeated delivery rewrites the same file. Failures
 * have no one to tell here: the caller reads them from the job.
 */
export function createFileDelivery(): ChatDelivery {
  return {
    async deliverClip(ctx, clip) {
      const dest = fileTargetSchema.parse(ctx.target.data).path;
      await mkdir(dirname(dest), { recursive: true });
      const partial = `${dest}.partial-${ctx.jobId}`;
      await copyFile(clip.path, partial);
      await rename(partial, dest);
    },
    async deliverFailure() {},
  };
}
