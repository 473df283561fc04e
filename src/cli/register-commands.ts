import { parseArgs } from 'node:util';
import { discordPlatform } from '../bots/discord/descriptor.js';
import { CliError, type CliIo, cliConfig, USAGE } from './common.js';

type DiscordJs = typeof import('discord.js');

/** A Discord REST failure as one line: who answered what, never the token. */
function describeDiscordFailure(
  error: unknown,
  apiUrl: string,
  { DiscordAPIError, HTTPError }: Pick<DiscordJs, 'DiscordAPIError' | 'HTTPError'>,
  guild: string | undefined,
): string {
  const path = (url: string) => (URL.canParse(url) ? new URL(url).pathname : url);
  if (error instanceof DiscordAPIError) {
    const hint =
      error.status === 401
        ? ': check DISCORD_TOKEN'
        : guild !== undefined && (error.status === 403 || error.status === 404)
          ? ' (is the bot in that server, invited with the applications.commands scope?)'
          : '';
    const words = error.message.split('\n').join('; ');
    // Discord's own words often start with the status ("401: Unauthorized"): say it once.
    const said = words.startsWith(String(error.status)) ? words : `${error.status} ${words}`;
    return `Discord refused ${error.method.toUpperCase()} ${path(error.url)}: ${said}${hint}`;
  }
  if (error instanceof HTTPError) {
    return `Discord answered ${error.status} ${error.message} to ${error.method.toUpperCase()} ${path(error.url)}; try again later`;
  }
  const reason =
    error instanceof Error
      ? error.cause instanceof Error
        ? error.cause.message
        : error.message
      : String(error);
  return `cannot reach Discord at ${new URL(apiUrl).host} (DISCORD_API_URL): ${reason}`;
}

/**
 * `register-commands`: replaces the application's slash commands (bulk overwrite) with those built
 * from the catalog, globally or in one server. The application id comes from the token itself.
 */
export async function registerCommands(
  env: Record<string, string | undefined>,
  args: string[],
  io: CliIo,
): Promise<number> {
  let guild: string | undefined;
  try {
    guild = parseArgs({ args, options: { guild: { type: 'string' } }, allowPositionals: false, strict: true })
      .values.guild;
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (guild !== undefined && !/^\d{17,20}$/.test(guild)) {
    throw new CliError(`--guild: expected a server id (17 to 20 digits), got "${guild}"`, 2);
  }
  if ((env.DISCORD_TOKEN ?? '') === '') {
    throw new CliError('DISCORD_TOKEN is not set: register-commands needs the bot token', 78);
  }
  // Only the Discord settings matter here: no worker keys are needed to register commands.
  const config = cliConfig({ ...env, REELAY_ROLES: discordPlatform.name });
  const settings = config.platforms[discordPlatform.name];
  const token = settings?.token ?? '';
  const apiUrl = settings?.apiUrl ?? discordPlatform.env.defaultApiUrl;
  // Loaded here, not at the top: `generate` has no use for discord.js.
  const discord = await import('discord.js');
  const { REST, Routes } = discord;
  const { buildCommands } = await import('../bots/discord/commands.js');
  const { CATALOG } = await import('../catalog/models.js');
  const rest = new REST({
    api: apiUrl,
    retries: 2,
    timeout: 15_000,
    // A one-shot command: no sweeper timers left behind.
    handlerSweepInterval: 0,
    hashSweepInterval: 0,
  }).setToken(token);
  const scrub = (line: string) => (token === '' ? line : line.replaceAll(token, '[token]'));
  try {
    const app = (await rest.get(Routes.currentApplication())) as { id?: unknown; name?: unknown };
    if (typeof app.id !== 'string')
      throw new CliError('Discord did not say which application this token is for');
    const body = buildCommands(CATALOG);
    const route = guild ? Routes.applicationGuildCommands(app.id, guild) : Routes.applicationCommands(app.id);
    const registered = (await rest.put(route, { body })) as { id?: unknown; name?: unknown }[];
    const name = typeof app.name === 'string' ? `${app.name} (${app.id})` : app.id;
    io.stdout(
      `registered ${registered.length} commands for ${name} ${guild ? `in server ${guild}` : 'globally'}:`,
    );
    for (const c of registered) io.stdout(`  /${String(c.name)} (${String(c.id)})`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(scrub(describeDiscordFailure(error, apiUrl, discord, guild)), 1);
  }
}
