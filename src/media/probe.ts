import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { asFile, FfmpegError, runTool } from './run.js';

/** What ffprobe says of a clip. */
export interface Probe {
  durationS: number;
  /** As displayed: a clip stored sideways with a 90° rotation reports its upright size. */
  width: number;
  height: number;
  /** 'h264', 'hevc', 'vp9', … */
  videoCodec: string;
  /** undefined: no audio stream. */
  audioCodec?: string;
  /** ffprobe's format_name, e.g. 'mov,mp4,m4a,3gp,3g2,mj2'. */
  formatName: string;
  sizeBytes: number;
  /** bits/s, overall. */
  bitRate?: number;
  /** Frames per second (average), when ffprobe knows it. */
  fps?: number;
  /** The video's pixel format ('yuv420p', 'yuv444p', 'yuv420p10le', …), when ffprobe knows it. */
  pixFmt?: string;
}

export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
  /** The first line of `ffmpeg -version`, for the start-up log. */
  version?: string;
}

const PROBE_TIMEOUT_MS = 30_000;

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}
interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string };
}

const positive = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

/** '30000/1001' → 29.97; '0/0' → undefined. */
const rate = (fraction: string | undefined): number | undefined => {
  const [num, den] = (fraction ?? '').split('/').map(Number);
  return num !== undefined && den !== undefined ? positive(num / den) : undefined;
};

/** Whether the stream is displayed turned by a quarter (a display matrix or the older `rotate` tag). */
const quarterTurned = (stream: ProbeStream): boolean => {
  const rotation =
    stream.side_data_list?.find((side) => typeof side.rotation === 'number')?.rotation ??
    Number(stream.tags?.rotate ?? 0);
  return Math.abs(Math.round(rotation / 90)) % 2 === 1;
};

/** Reads ffprobe's JSON into a {@link Probe}; throws an FfmpegError `invalid` when it is not a clip. */
export function parseProbe(json: ProbeJson, file: string): Probe {
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === 'audio');
  const name = basename(file);
  if (!video?.codec_name || !positive(video.width) || !positive(video.height)) {
    throw new FfmpegError(`${name} has no video stream`, 'invalid');
  }
  const durationS = positive(json.format?.duration) ?? positive(video.duration);
  if (durationS === undefined) throw new FfmpegError(`${name} has no duration`, 'invalid');
  const turned = quarterTurned(video);
  const fps = rate(video.avg_frame_rate) ?? rate(video.r_frame_rate);
  const bitRate = positive(json.format?.bit_rate);
  return {
    durationS,
    width: turned ? video.height! : video.width!,
    height: turned ? video.width! : video.height!,
    videoCodec: video.codec_name,
    ...(audio?.codec_name ? { audioCodec: audio.codec_name } : {}),
    formatName: json.format?.format_name ?? '',
    sizeBytes: positive(json.format?.size) ?? 0,
    ...(bitRate ? { bitRate } : {}),
    ...(fps ? { fps } : {}),
    ...(video.pix_fmt ? { pixFmt: video.pix_fmt } : {}),
  };
}

/** Asks ffprobe what `file` is. Throws an FfmpegError when it cannot say, or it is not a clip. */
export async function probe(
  paths: FfmpegPaths,
  file: string,
  opts: { timeoutMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<Probe> {
  const { stdout, stderrTail } = await runTool(
    paths.ffprobe,
    ['-hide_banner', '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', asFile(file)],
    { timeoutMs: opts.timeoutMs ?? PROBE_TIMEOUT_MS, signal: opts.signal, stdout: true },
  );
  let json: ProbeJson;
  try {
    json = JSON.parse(stdout) as ProbeJson;
  } catch {
    throw new FfmpegError(`ffprobe gave no JSON for ${basename(file)}`, 'invalid', stderrTail);
  }
  let parsed: Probe;
  try {
    parsed = parseProbe(json, file);
  } catch (error) {
    // What ffprobe said on the way (a damaged stream, say) explains why it is not a clip.
    if (error instanceof FfmpegError) throw new FfmpegError(error.message, error.reason, stderrTail);
    throw error;
  }
  return parsed.sizeBytes > 0 ? parsed : { ...parsed, sizeBytes: (await stat(file)).size };
}

const INLINE_VIDEO = new Set(['h264', 'hevc']);
const INLINE_AUDIO = new Set(['aac', 'mp3']);
/** 8-bit 4:2:0 everywhere; phones that decode HEVC also decode its 10-bit (HDR) form. */
const INLINE_PIX: Readonly<Record<string, ReadonlySet<string>>> = {
  h264: new Set(['yuv420p', 'yuvj420p']),
  hevc: new Set(['yuv420p', 'yuvj420p', 'yuv420p10le']),
};

/** Whether phones decode this video stream as it is (codec, and pixel format when known). */
export function videoPlaysInline(p: Pick<Probe, 'videoCodec' | 'pixFmt'>): boolean {
  if (!INLINE_VIDEO.has(p.videoCodec)) return false;
  return p.pixFmt === undefined || INLINE_PIX[p.videoCodec]?.has(p.pixFmt) === true;
}

/** Whether phones decode this audio stream as it is (no audio counts). */
export const audioPlaysInline = (p: Pick<Probe, 'audioCodec'>): boolean =>
  p.audioCodec === undefined || INLINE_AUDIO.has(p.audioCodec);

/** ffprobe names MP4 and MOV alike: 'mov,mp4,m4a,3gp,3g2,mj2'. */
export const isMp4 = (p: Pick<Probe, 'formatName'>): boolean =>
  p.formatName.split(',').some((name) => name === 'mp4' || name === 'mov');

/**
 * Whether phones play it inline as it is: H.264 or HEVC video, AAC/MP3 or no audio, in MP4/MOV.
 * A known pixel format must be 4:2:0 too (8-bit; 10-bit for HEVC): High 4:4:4 H.264 does not play.
 */
export function playsInline(p: Probe): boolean {
  return videoPlaysInline(p) && audioPlaysInline(p) && isMp4(p);
}
