import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { admin } from './cli/admin.js';
import { CliError, type CliIo, type CliOptions, cliConfig, USAGE } from './cli/common.js';
import { generate } from './cli/generate.js';
import { modelsTable } from './cli/models-table.js';
import { registerCommands } from './cli/register-commands.js';

export type { CliIo, CliOptions } from './cli/common.js';
export { parseGenerateArgs } from './cli/generate.js';

/** The `reelay` command line. Never throws: errors are one line on stderr and a non-zero status. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
  options: CliOptions = {},
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '--help' || command === 'help' || rest.includes('--help')) {
      io.stdout(USAGE);
      return command ? 0 : 2;
    }
    if (command === 'generate') return await generate(cliConfig(env), rest, io, options);
    if (command === 'admin') return await admin(env, rest, io);
    if (command === 'register-commands') return await registerCommands(env, rest, io);
    if (command === 'models-table') return await modelsTable(rest, io);
    throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`reelay: ${error.message}`);
      return error.code;
    }
    io.stderr(`reelay: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const code = await runCli(process.argv.slice(2), process.env, {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
  });
  process.exit(code);
}
