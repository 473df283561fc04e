import { copyFile, mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChatDelivery } from '../core/ports.js';

/**
 * The `file` delivery target: writes the clip to a path on this machine. Used by the command-line
 * tool and the tests. The write goes to a temporary name first and is renamed into place, so a
 * crash never leaves half a clip under the real name, and a repeated delivery rewrites the same file.
 * Failures have no one to tell here: the caller reads them from the job.
 */
export function createFileDelivery(): ChatDelivery {
  return {
    async deliverClip(ctx, clip) {
      if (ctx.target.kind !== 'file') throw new Error(`file delivery given a ${ctx.target.kind} target`);
      const dest = ctx.target.path;
      await mkdir(dirname(dest), { recursive: true });
      const partial = `${dest}.partial-${ctx.jobId}`;
      await copyFile(clip.path, partial);
      await rename(partial, dest);
    },
    async deliverFailure() {},
  };
}
