import type { WorkerOptions } from 'bullmq';
import { type Config, ConfigError, loadConfig } from '../config.js';

/** The operator's commands (`reelay admin …`), as lines of the usage. */
const ADMIN_COMMANDS = `       reelay admin spend [--days N]         credits by UTC day (the last 7, at most 90), and the cap
       reelay admin cap [<credits>|off|env]  sets the service's daily cap at run time (off: none), or goes
                                             back to SPEND_CAP_DAILY_CREDITS (env); alone, shows it
       reelay admin pause | resume           the kill switch: new requests are refused, running jobs finish
       reelay admin block | unblock <platform>:<user id>   across the whole service (telegram:42)
       reelay admin ledger [--since <ISO date>] [--csv]    the ledger since then (default today, UTC)`;

const ADMIN_NOTE = `admin: the operator's commands. They need only Redis (REDIS_URL, QUEUE_PREFIX), and record
each change in the ledger as made by "operator".`;

/** The admin part of the usage, shown with every bad admin argument. */
export const ADMIN_USAGE = `usage: ${ADMIN_COMMANDS.trimStart()}\n${ADMIN_NOTE}`;

export const USAGE = `usage: reelay generate --model <id> --prompt "…" --out clip.mp4
         [--first-frame a.png] [--last-frame b.png] [--reference r1.png --reference r2.png …]
         [--reference-video v.mp4] [--motion-video v.mp4 (with --first-frame: motion control)]
         [--duration 10] [--aspect-ratio 9:16] [--mode std|pro]
         [--negative-prompt "…"] [--cfg-scale 0.5] [--sound] [--multi-shot]
         [--resolution 1080p] [--seed 12345]
       reelay register-commands [--guild <server id>]
       reelay models-table [--check] [--readme README.md]
${ADMIN_COMMANDS}
generate: one clip. Images may be local paths or http(s) URLs. Uses the same environment as the
service (REDIS_URL, RUNNINGHUB_API_KEY, RUNWARE_API_KEY, …); does not count against user quotas.
register-commands: replaces the Discord bot's slash commands with those built from the model
catalog: everywhere, or in one server with --guild (shown there at once, for testing). Uses
DISCORD_TOKEN and DISCORD_API_URL.
models-table: rewrites README's model table from the catalog (npm run models:table); --check only
says whether it is current.
${ADMIN_NOTE}`;

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export interface CliOptions {
  /** BullMQ worker overrides (tests). */
  workerOptions?: Partial<WorkerOptions>;
  /** How often progress is checked, ms. */
  progressEveryMs?: number;
}

/** A failure the admin reads as one line; `code` is the exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** The configuration from `env`; a bad or missing variable is exit status 78 (EX_CONFIG). */
export function cliConfig(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.problems.join('; '), 78);
    throw error;
  }
}
