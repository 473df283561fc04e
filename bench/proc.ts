import { readFile } from 'node:fs/promises';

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
