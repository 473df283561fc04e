import { readdir, readFile, writeFile } from 'node:fs/promises';

/** Memory of a live process from /proc/<pid>/status, in KiB (Linux only). */
export interface ProcessMemory {
  rssKiB: number;
  /** Peak RSS over the process's whole life ("high water mark"). */
  hwmKiB: number;
}

export async function readMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export async function readCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** What {@link sampleProcess} saw. */
export interface ProcessSamples {
  maxRssKiB: number;
  /** Highest CPU use over any 2 s window, as a share of one core (1 = one core busy throughout). */
  maxCpuShare2s: number;
  samples: number;
}

/** Samples a process's RSS and CPU every `everyMs` until stopped; keeps the peaks. */
export function sampleProcess(pid: number, everyMs: number): { stop(): ProcessSamples } {
  const result: ProcessSamples = { maxRssKiB: 0, maxCpuShare2s: 0, samples: 0 };
  const cpu: { at: number; seconds: number }[] = [];
  const timer = setInterval(() => {
    Promise.all([readMemory(pid), readCpuSeconds(pid)])
      .then(([m, seconds]) => {
        const at = performance.now();
        result.samples += 1;
        result.maxRssKiB = Math.max(result.maxRssKiB, m.rssKiB);
        cpu.push({ at, seconds });
        while (cpu.length > 1 && at - (cpu[0]?.at ?? at) > 2_000 + everyMs / 2) cpu.shift();
        const first = cpu[0];
        if (first && at - first.at >= 1_900) {
          result.maxCpuShare2s = Math.max(
            result.maxCpuShare2s,
            ((seconds - first.seconds) * 1000) / (at - first.at),
          );
        }
      })
      .catch(() => undefined);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return result;
    },
  };
}

/** A process's direct children (ffmpeg and ffprobe, for a worker) at one moment. */
export interface ChildrenMemory {
  count: number;
  /** Their summed VmRSS: shared pages (ffmpeg's libraries) counted once per process. */
  rssKiB: number;
  /** Their summed proportional set size (smaps_rollup `Pss`): shared pages split among their users. */
  pssKiB: number;
}

/**
 * The memory of a process's direct children, from /proc/<pid>/task/<tid>/children: what the parent's
 * own RSS does not show. Zeros when there are none.
 */
export async function readChildrenMemory(pid: number): Promise<ChildrenMemory> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')),
  );
  const children = [...new Set(lists.join(' ').split(/\s+/).filter(Boolean).map(Number))];
  const field = (text: string, name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  const each = await Promise.all(
    children.map((child) =>
      readFile(`/proc/${child}/smaps_rollup`, 'utf8').then(
        (text) => ({ rss: field(text, 'Rss'), pss: field(text, 'Pss') }),
        () => ({ rss: 0, pss: 0 }),
      ),
    ),
  );
  return {
    count: each.filter((m) => m.rss > 0).length,
    rssKiB: each.reduce((n, m) => n + m.rss, 0),
    pssKiB: each.reduce((n, m) => n + m.pss, 0),
  };
}

/**
 * Resets a process's VmHWM to its current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux 4.0+), so a
 * later VmHWM is the peak since now. False when the kernel or permissions refuse.
 */
export async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
