import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { FfmpegPaths } from './probe.js';
import { runTool } from './run.js';

const VERSION_TIMEOUT_MS = 10_000;

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` along `PATH`, as an absolute path. */
async function onPath(name: string, pathVar: string | undefined): Promise<string | undefined> {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return resolve(candidate);
  }
  return undefined;
}

/** The first line of `<bin> -version`, or undefined when it does not run. */
async function versionOf(bin: string): Promise<string | undefined> {
  try {
    const { stdout } = await runTool(bin, ['-hide_banner', '-version'], {
      timeoutMs: VERSION_TIMEOUT_MS,
      stdout: true,
    });
    return stdout.split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether this ffmpeg can make what we post: H.264 through libx264, and AAC. */
async function encodesH264Aac(ffmpeg: string): Promise<boolean> {
  try {
    const { stdout } = await runTool(ffmpeg, ['-hide_banner', '-encoders'], {
      timeoutMs: VERSION_TIMEOUT_MS,
      stdout: true,
    });
    return /^\s*V\S*\s+libx264\s/m.test(stdout) && /^\s*A\S*\s+aac\s/m.test(stdout);
  } catch {
    return false;
  }
}

/**
 * Finds ffmpeg: FFMPEG_PATH (the ffmpeg binary; ffprobe beside it, or FFPROBE_PATH) else PATH.
 * Runs `-version` on each; undefined when either is missing or does not run, or when this ffmpeg
 * cannot encode H.264 (libx264) and AAC — without them no clip can be fitted.
 * `PATH` defaults to the process's own.
 */
export async function findFfmpeg(env: {
  FFMPEG_PATH?: string | undefined;
  FFPROBE_PATH?: string | undefined;
  PATH?: string | undefined;
}): Promise<FfmpegPaths | undefined> {
  const pathVar = env.PATH ?? process.env.PATH;
  const given = env.FFMPEG_PATH?.trim() || undefined;
  const exe = given?.toLowerCase().endsWith('.exe') ? '.exe' : '';
  const ffmpeg = given ? resolve(given) : await onPath('ffmpeg', pathVar);
  const givenProbe = env.FFPROBE_PATH?.trim() || undefined;
  const ffprobe = givenProbe
    ? resolve(givenProbe)
    : given
      ? join(dirname(resolve(given)), `ffprobe${exe}`)
      : await onPath('ffprobe', pathVar);
  if (!ffmpeg || !ffprobe) return undefined;
  const [version, probeVersion] = await Promise.all([versionOf(ffmpeg), versionOf(ffprobe)]);
  if (!version || !probeVersion) return undefined;
  if (!(await encodesH264Aac(ffmpeg))) return undefined;
  return { ffmpeg, ffprobe, version };
}
