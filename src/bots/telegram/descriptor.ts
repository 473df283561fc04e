import type { PlatformDescriptor } from '../registry.js';

/** Telegram, as the configuration knows it. */
export const telegramPlatform: PlatformDescriptor = {
  name: 'telegram',
  label: 'Telegram',
  env: {
    token: 'TELEGRAM_BOT_TOKEN',
    apiUrl: 'TELEGRAM_API_URL',
    defaultApiUrl: 'https://api.telegram.org',
    urlMeaning: 'the Bot API root',
    allowList: 'ALLOWED_TELEGRAM_CHATS',
  },
  webhookWithPublicUrl: true,
};
