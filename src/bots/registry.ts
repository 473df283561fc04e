import { discordPlatform } from './discord/descriptor.js';
import { telegramPlatform } from './telegram/descriptor.js';

/**
 * What the configuration knows of a chat platform, said once in its folder (`descriptor.ts`, which
 * imports no client library): its name, which is also its role in `REELAY_ROLES`, and its
 * environment variables. Everything else of a platform is wired in `main.ts`.
 */
export interface PlatformDescriptor {
  /** The platform's name: its role, its delivery targets' `platform`, its media source kind. */
  readonly name: string;
  /** As people write it (`Telegram`). */
  readonly label: string;
  readonly env: {
    token: string;
    apiUrl: string;
    defaultApiUrl: string;
    urlMeaning: string;
    /** The optional list of communities (servers, groups) the bot serves; empty: every one. */
    allowList: string;
  };
  /**
   * True when the bot takes its updates by webhook once `PUBLIC_URL` is set: the http role serves
   * them, so it must run in the same process.
   */
  readonly webhookWithPublicUrl: boolean;
}

/** The one list of chat platforms; a platform is its folder plus one line here and its wiring in main.ts. */
export const PLATFORMS: readonly PlatformDescriptor[] = [discordPlatform, telegramPlatform];

/** The settings of one platform, from the environment. */
export interface PlatformSettings {
  token: string | undefined;
  apiUrl: string;
  /** The communities allowed to use the bot (`env.allowList`); empty: every one. */
  allowed: string[];
}
