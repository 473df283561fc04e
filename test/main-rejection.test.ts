import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';
import { waitFor } from './helpers/wait.js';

let h: Harness | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await h?.close();
  h = undefined;
});

describe('an unhandled promise rejection in the service process', () => {
  it('is logged at error level, with no key in it, and the process keeps running', async () => {
    h = await startHarness({ workers: false });
    const env = h.env;
    // Loaded before main: on SIGUSR2, a promise nobody handles rejects, quoting a provider key.
    const preload = h.out('reject-on-signal.mjs');
    await writeFile(
      preload,
      "process.on('SIGUSR2', () => { Promise.reject(new Error('stray failure near ' + process.env.RUNWARE_API_KEY)); });\n",
    );
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', pathToFileURL(preload).href, 'src/main.ts'],
      {
        env: { PATH: process.env.PATH ?? '', ...env, REELAY_ROLES: 'worker', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    const out = { stdout: '', stderr: '' };
    proc.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    await waitFor(() => out.stdout.includes('worker started'), { what: 'the worker to start' });

    proc.kill('SIGUSR2');
    const line = await waitFor(
      () =>
        out.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => l.msg === 'unhandled promise rejection (kept running)'),
      { what: 'the rejection to be logged' },
    );
    expect(line).toMatchObject({ level: 50, err: expect.stringContaining('stray failure near') });
    expect(out.stdout).not.toContain(env.RUNWARE_API_KEY);
    // Still running: it stops as usual, cleanly.
    expect(proc.exitCode).toBeNull();
    proc.kill('SIGTERM');
    expect([await exited, out.stderr]).toEqual([0, '']);
  });
});
