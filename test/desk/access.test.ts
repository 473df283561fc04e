import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type AccessPolicy, accessAt, accessPolicy, isOperator } from '../../src/desk/access.js';
import type { Place } from '../../src/desk/place.js';

const BASE = { RUNNINGHUB_API_KEY: 'rh-key' };

const member = (platform: string, userId = '42') => ({ platform, userId });
const group = (platform: string, community: string, channel?: string): Place =>
  channel === undefined ? { platform, community } : { platform, community, channel };
const dm = (platform: string): Place => ({ platform });

describe('accessPolicy', () => {
  it('takes every platform allowed list and the access settings from the configuration', () => {
    const config = loadConfig({
      ...BASE,
      ALLOWED_DISCORD_GUILDS: '111, 222',
      ALLOWED_TELEGRAM_CHATS: '-1001234567890',
      ALLOW_PRIVATE_CHATS: 'false',
      REELAY_OPERATORS: 'discord:7,telegram:8',
    });
    expect(accessPolicy(config)).toEqual({
      allowed: { discord: ['111', '222'], telegram: ['-1001234567890'] },
      allowPrivate: false,
      operators: ['discord:7', 'telegram:8'],
    });
  });

  it('allows everything by default', () => {
    const policy = accessPolicy(loadConfig(BASE));
    expect(policy).toEqual({ allowed: { discord: [], telegram: [] }, allowPrivate: true, operators: [] });
    expect(accessAt(policy, group('discord', '999'), member('discord'))).toBe('ok');
    expect(accessAt(policy, group('telegram', '-100999'), member('telegram'))).toBe('ok');
    expect(accessAt(policy, dm('discord'), member('discord'))).toBe('ok');
    expect(accessAt(policy, dm('telegram'), member('telegram'))).toBe('ok');
  });

  it('copies the lists, so the policy does not change with the configuration object', () => {
    const config = loadConfig({ ...BASE, ALLOWED_DISCORD_GUILDS: '111', REELAY_OPERATORS: 'discord:7' });
    const policy = accessPolicy(config);
    config.platforms.discord?.allowed.push('222');
    config.access.operators.push('discord:8');
    expect(policy.allowed.discord).toEqual(['111']);
    expect(policy.operators).toEqual(['discord:7']);
  });
});

describe('isOperator', () => {
  const policy: AccessPolicy = { allowed: {}, allowPrivate: true, operators: ['discord:7', 'telegram:8'] };

  it('knows operators by platform and user id', () => {
    expect(isOperator(policy, member('discord', '7'))).toBe(true);
    expect(isOperator(policy, member('telegram', '8'))).toBe(true);
  });

  it('does not take the same id on another platform for an operator', () => {
    expect(isOperator(policy, member('telegram', '7'))).toBe(false);
    expect(isOperator(policy, member('discord', '8'))).toBe(false);
    expect(isOperator(policy, member('discord', '70'))).toBe(false);
  });
});

describe('accessAt', () => {
  const policy: AccessPolicy = {
    allowed: { discord: ['111'], telegram: ['-1001', '-1002'] },
    allowPrivate: false,
    operators: ['discord:7', 'telegram:8'],
  };

  it('serves the allowed communities, whatever the channel', () => {
    expect(accessAt(policy, group('discord', '111'), member('discord'))).toBe('ok');
    expect(accessAt(policy, group('discord', '111', 'c1'), member('discord'))).toBe('ok');
    expect(accessAt(policy, group('telegram', '-1002'), member('telegram'))).toBe('ok');
  });

  it('refuses a community not on its platform list', () => {
    expect(accessAt(policy, group('discord', '222'), member('discord'))).toBe('community-not-allowed');
    expect(accessAt(policy, group('telegram', '1001'), member('telegram'))).toBe('community-not-allowed');
    // Lists are per platform: Discord's list does not allow a Telegram chat of the same id.
    expect(accessAt(policy, group('telegram', '111'), member('telegram'))).toBe('community-not-allowed');
  });

  it('serves every community of a platform without a list, or with an empty one', () => {
    const open: AccessPolicy = { ...policy, allowed: { discord: [] } };
    expect(accessAt(open, group('discord', '222'), member('discord'))).toBe('ok');
    expect(accessAt(open, group('telegram', '-5'), member('telegram'))).toBe('ok');
    expect(accessAt(open, group('constructor', '1'), member('constructor'))).toBe('ok');
  });

  it('refuses private chats when they are not allowed, and serves them when they are', () => {
    expect(accessAt(policy, dm('discord'), member('discord'))).toBe('private-not-allowed');
    expect(accessAt(policy, dm('telegram'), member('telegram'))).toBe('private-not-allowed');
    const privateOk = { ...policy, allowPrivate: true };
    expect(accessAt(privateOk, dm('discord'), member('discord'))).toBe('ok');
    // Allowing private chats does not open the communities.
    expect(accessAt(privateOk, group('discord', '222'), member('discord'))).toBe('community-not-allowed');
  });

  it('always serves operators, in any community and in private', () => {
    expect(accessAt(policy, group('discord', '222'), member('discord', '7'))).toBe('ok');
    expect(accessAt(policy, dm('discord'), member('discord', '7'))).toBe('ok');
    expect(accessAt(policy, group('telegram', '-9'), member('telegram', '8'))).toBe('ok');
    expect(accessAt(policy, dm('telegram'), member('telegram', '8'))).toBe('ok');
    // An operator of one platform is a plain member on the other.
    expect(accessAt(policy, dm('telegram'), member('telegram', '7'))).toBe('private-not-allowed');
  });
});
