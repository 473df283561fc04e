import type { PlatformDescriptor } from '../registry.js';

/** Discord, as the configuration knows it. */
export const discordPlatform: PlatformDescriptor = {
  name: 'discord',
  label: 'Discord',
  env: {
    token: 'DISCORD_TOKEN',
    apiUrl: 'DISCORD_API_URL',
    defaultApiUrl: 'https://discord.com/api',
    urlMeaning: 'the Discord REST base',
    allowList: 'ALLOWED_DISCORD_GUILDS',
  },
  webhookWithPublicUrl: false,
};
