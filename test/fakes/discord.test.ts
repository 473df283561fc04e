import { once } from 'node:events';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  type Attachment,
  ButtonBuilder,
  type ButtonInteraction,
  ButtonStyle,
  type ChatInputApplicationCommandData,
  type ChatInputCommandInteraction,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  MessageFlags,
  PermissionFlagsBits,
  REST,
  Routes,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { clipMp4, makePng } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';
import { FAKE_DISCORD_TOKEN, FakeDiscord, type FakeDiscordOptions, shardOf } from './discord.js';

const clients: Client[] = [];
const fakes: FakeDiscord[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start(options: Partial<FakeDiscordOptions> = {}): Promise<FakeDiscord> {
  const fake = await FakeDiscord.start({ token: FAKE_DISCORD_TOKEN, heartbeatIntervalMs: 500, ...options });
  fakes.push(fake);
  return fake;
}

/** A discord.js client logged in against the fake, past `clientReady`. */
async function connect(fake: FakeDiscord, intents = [GatewayIntentBits.Guilds]): Promise<Client<true>> {
  const client = new Client({ intents, rest: { api: fake.apiUrl } });
  clients.push(client);
  const ready = once(client, Events.ClientReady);
  await client.login(FAKE_DISCORD_TOKEN);
  await ready;
  return client as Client<true>;
}

function nextInteraction(client: Client): Promise<Interaction> {
  return new Promise((resolve) => client.once(Events.InteractionCreate, resolve));
}

async function runCommand(
  fake: FakeDiscord,
  client: Client,
  opts: Partial<Parameters<FakeDiscord['command']>[0]> = {},
): Promise<{ interaction: ChatInputCommandInteraction; token: string; id: string; channelId: string }> {
  const channelId = opts.channelId ?? fake.channel().id;
  const arriving = nextInteraction(client);
  const raw = fake.command({ name: 'video', user: fake.user(), channelId, ...opts });
  const interaction = await arriving;
  if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
  return { interaction, token: raw.token, id: raw.id, channelId };
}

/** The DiscordAPIError a call fails with. */
async function apiError(call: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof DiscordAPIError) return error;
  throw new Error(`expected a DiscordAPIError, got ${String(error)}`);
}

const bytesOf = async (url: string): Promise<Buffer> => Buffer.from(await (await fetch(url)).arrayBuffer());

type Refreshed = { refreshed_urls: { original: string; refreshed: string }[] };

/** POST /attachments/refresh-urls with `body`, with the bot token unless `auth` is false. */
async function refreshUrls(fake: FakeDiscord, body: unknown, auth = true) {
  const res = await fetch(`${fake.apiUrl}/v10/attachments/refresh-urls`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth ? { authorization: `Bot ${FAKE_DISCORD_TOKEN}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Refreshed & Record<string, unknown> };
}

describe('FakeDiscord, driven by discord.js', () => {
  it('logs a client in: GET /gateway/bot, IDENTIFY, READY, GUILD_CREATE, heartbeats', async () => {
    const fake = await start({ heartbeatIntervalMs: 50 });
    const guild = fake.guild(undefined, 'Reelay HQ');
    const channel = fake.channel(guild.id, 'clips');
    const client = await connect(fake);

    expect(client.user.id).toBe(fake.botUser.id);
    expect(client.user.bot).toBe(true);
    expect(client.application.id).toBe(fake.applicationId);
    expect(client.guilds.cache.get(guild.id)?.name).toBe('Reelay HQ');
    expect((client.channels.cache.get(channel.id) as TextChannel).name).toBe('clips');
    // Login is one REST call; the rest goes over the gateway.
    expect(fake.calls().map((c) => [c.kind, c.method, c.path, c.status])).toEqual([
      ['gateway', 'GET', '/gateway/bot', 200],
    ]);
    expect(fake.calls('gateway')[0]?.authorization).toBe(`Bot ${FAKE_DISCORD_TOKEN}`);
    const [session] = fake.sessions();
    expect(session).toMatchObject({ intents: GatewayIntentBits.Guilds, connected: true });
    expect(session?.identify).toMatchObject({ token: FAKE_DISCORD_TOKEN, compress: false, shard: [0, 1] });
    // A guild created later arrives as GUILD_CREATE.
    const later = fake.guild();
    const joined = await once(client, Events.GuildCreate);
    expect(joined[0].id).toBe(later.id);
    // A heartbeat was acknowledged (discord.js measured a ping).
    await waitFor(() => client.ws.ping >= 0, { timeoutMs: 5_000, what: 'a heartbeat ACK' });
  });

  it('rejects a wrong token on REST (401) and on the gateway (4004)', async () => {
    const fake = await start();
    const client = new Client({ intents: [], rest: { api: fake.apiUrl } });
    clients.push(client);
    await expect(client.login('bm90LWEtdG9rZW4.x.y')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(fake.calls('unauthorized')[0]).toMatchObject({
      path: '/gateway/bot',
      status: 401,
      response: { message: '401: Unauthorized', code: 0 },
    });

    const socket = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const frames: { op: number; d: unknown }[] = [];
    socket.on('message', (raw) => frames.push(JSON.parse(String(raw))));
    await once(socket, 'open');
    socket.send(JSON.stringify({ op: 1, d: null }));
    socket.send(JSON.stringify({ op: 6, d: { token: FAKE_DISCORD_TOKEN, session_id: 'nope', seq: 3 } }));
    socket.send(JSON.stringify({ op: 2, d: { token: 'wrong', intents: 0, properties: {} } }));
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4004);
    expect(frames.map((f) => f.op)).toEqual([10, 11, 9]);
    expect(frames[0]?.d).toEqual({ heartbeat_interval: 500 });
  });

  it('closes with 4014 for privileged intents the app lacks', async () => {
    const fake = await start();
    const client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent],
      rest: { api: fake.apiUrl },
    });
    clients.push(client);
    await expect(client.login(FAKE_DISCORD_TOKEN)).rejects.toThrow(/intent/i);
  });

  it('delivers a slash command with options and an attachment; defer + editReply with a file', async () => {
    const fake = await start();
    const client = await connect(fake);
    const png = makePng(64, 48, 3);
    const frame = fake.attachment(png, { filename: 'first frame.png', width: 64, height: 48 });
    const { interaction, token, id, channelId } = await runCommand(fake, client, {
      options: [
        { name: 'prompt', type: ApplicationCommandOptionType.String, value: 'a cat surfing' },
        { name: 'duration', type: ApplicationCommandOptionType.Integer, value: 5 },
        { name: 'first_frame', type: ApplicationCommandOptionType.Attachment, value: frame },
      ],
      attachmentSizeLimit: 25 * 1024 * 1024,
    });

    expect(interaction.commandName).toBe('video');
    expect(interaction.id).toBe(id);
    expect(interaction.inGuild()).toBe(true);
    expect(interaction.options.getString('prompt')).toBe('a cat surfing');
    expect(interaction.options.getInteger('duration')).toBe(5);
    const attachment = interaction.options.getAttachment('first_frame', true) as Attachment;
    expect(attachment).toMatchObject({
      name: 'first_frame.png',
      contentType: 'image/png',
      width: 64,
      height: 48,
    });
    expect(attachment.size).toBe(png.length);
    expect(attachment.url).toMatch(/\/ephemeral-attachments\/\d+\/\d+\/first_frame\.png\?ex=[0-9a-f]+&is=/);
    expect(await bytesOf(attachment.url)).toEqual(png);
    expect((await fetch(attachment.url.split('?')[0]!)).status).toBe(404); // unsigned
    expect(interaction.attachmentSizeLimit).toBe(25 * 1024 * 1024);
    expect(interaction.appPermissions.has(PermissionFlagsBits.AttachFiles)).toBe(true);
    expect(interaction.user.id).toBe(interaction.member?.user.id);
    expect(interaction.channel?.id).toBe(channelId);

    await interaction.deferReply();
    expect(fake.callbacks(id)).toMatchObject([{ json: { type: 5, data: { flags: 0 } }, status: 204 }]);
    expect(fake.callbacks(id)[0]?.query.get('with_response')).toBe('false');
    expect(fake.original(token)?.flags).toBe(128); // loading: "is thinking…"

    const clip = clipMp4();
    const reply = await interaction.editReply({
      content: 'Here it is',
      files: [{ attachment: clip, name: 'clip.mp4' }],
    });
    const edit = await fake.waitForCall('webhook-edit');
    expect(edit.authorization).toBeUndefined();
    expect(edit.path).toBe(`/webhooks/${fake.applicationId}/${token}/messages/@original`);
    expect(edit.json).toMatchObject({ content: 'Here it is', attachments: [{ id: '0' }] });
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0]).toMatchObject({ name: 'files[0]', filename: 'clip.mp4', contentType: 'video/mp4' });
    expect(edit.files[0]?.data.equals(clip)).toBe(true);

    const original = fake.original(token)!;
    expect(original).toMatchObject({ content: 'Here it is', flags: 0, edited_timestamp: null, type: 20 });
    expect(original.interaction_metadata).toMatchObject({ id, type: 2, user: { id: interaction.user.id } });
    expect(original.attachments[0]).toMatchObject({
      filename: 'clip.mp4',
      size: clip.length,
      content_type: 'video/mp4',
    });
    expect(await bytesOf(original.attachments[0]!.url)).toEqual(clip);
    expect(reply.id).toBe(original.id);
    expect(reply.attachments.first()?.name).toBe('clip.mp4');

    // An edit without files keeps the attachment; `attachments: []` removes it.
    await interaction.editReply({ content: 'Still here' });
    expect(fake.original(token)?.attachments).toHaveLength(1);
    expect(fake.original(token)?.edited_timestamp).not.toBeNull();
    await interaction.editReply({ attachments: [] });
    expect(fake.original(token)).toMatchObject({ content: 'Still here', attachments: [] });

    // Answering again is refused by Discord (discord.js would refuse before asking).
    const rest = new REST({ api: fake.apiUrl });
    const again = await apiError(
      rest.post(Routes.interactionCallback(id, token), { body: { type: 5 }, auth: false }),
    );
    expect(again).toMatchObject({
      status: 400,
      code: 40060,
      message: 'Interaction has already been acknowledged.',
    });

    // A fallback post with the bot token into the (cached) channel.
    const posted = await (interaction.channel as TextChannel).send({ content: 'also here', files: [clip] });
    expect(posted.attachments.first()?.size).toBe(clip.length);
    expect(fake.channelMessages(channelId).map((m) => m.content)).toEqual(['Still here', 'also here']);
  });

  it('replies ephemerally with a button; a press arrives as a ButtonInteraction that updates it', async () => {
    const fake = await start();
    const client = await connect(fake);
    const { interaction, token } = await runCommand(fake, client);
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('cancel:42').setLabel('Cancel').setStyle(ButtonStyle.Danger),
    );
    const response = await interaction.reply({
      content: 'Queued',
      components: [row],
      flags: MessageFlags.Ephemeral,
      withResponse: true,
    });
    expect(response.resource?.message?.content).toBe('Queued');
    const original = fake.original(token)!;
    expect(original.flags).toBe(MessageFlags.Ephemeral);
    expect(response.resource?.message?.id).toBe(original.id);

    expect(() => fake.press(original, 'nope', fake.user())).toThrow(/no component/);
    const arriving = nextInteraction(client);
    const pressed = fake.press(original, 'cancel:42', fake.user());
    const button = (await arriving) as ButtonInteraction;
    expect(button.isButton()).toBe(true);
    expect(button.customId).toBe('cancel:42');
    expect(button.message.id).toBe(original.id);
    expect(button.id).toBe(pressed.id);

    await button.update({ content: 'Cancelled', components: [] });
    expect(fake.callbacks(pressed.id)[0]?.json).toMatchObject({ type: 7, data: { content: 'Cancelled' } });
    expect(fake.message(original.id)).toMatchObject({ content: 'Cancelled', components: [], flags: 64 });
    expect(fake.original(pressed.token)?.id).toBe(original.id);
  });

  it('fills a still-deferred reply with the first follow-up, then posts new ones', async () => {
    const fake = await start();
    const client = await connect(fake);
    const { interaction, token } = await runCommand(fake, client);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const first = await interaction.followUp({ content: 'first' });
    expect(first.id).toBe(fake.original(token)?.id);
    expect(fake.original(token)).toMatchObject({ content: 'first', flags: 64 });
    const second = await interaction.followUp({
      content: 'second',
      files: [{ attachment: makePng(8, 8), name: 'a.png' }],
    });
    expect(fake.followups(token).map((m) => [m.id, m.content])).toEqual([[second.id, 'second']]);
    await interaction.deleteReply();
    expect(fake.original(token)).toBeUndefined();
    expect(fake.calls('webhook-delete')[0]?.status).toBe(204);
  });

  it('posts a channel message with a file through @discordjs/rest', async () => {
    const fake = await start();
    const channel = fake.channel();
    const rest = new REST({ api: fake.apiUrl, authPrefix: 'Bot' }).setToken(FAKE_DISCORD_TOKEN);
    const first = (await rest.post(Routes.channelMessages(channel.id), { body: { content: 'hello' } })) as {
      id: string;
    };
    const clip = clipMp4();
    const sent = (await rest.post(Routes.channelMessages(channel.id), {
      body: {
        content: '<@123> your clip',
        message_reference: { message_id: first.id },
        allowed_mentions: { parse: [], replied_user: false },
      },
      files: [{ name: 'clip.mp4', data: clip }],
    })) as { id: string; type: number; attachments: { url: string }[]; message_reference: unknown };
    expect(sent.type).toBe(19);
    expect(sent.message_reference).toMatchObject({ message_id: first.id, channel_id: channel.id });
    expect(fake.allowedMentions(sent.id)).toEqual({ parse: [], replied_user: false });
    expect(await bytesOf(sent.attachments[0]!.url)).toEqual(clip);
    expect(fake.fileBytes(sent.attachments[0]!.url)).toEqual(clip);
    const call = fake.calls('channel-message')[1]!;
    expect(call.files[0]).toMatchObject({ name: 'files[0]', filename: 'clip.mp4' });
    expect(call.json).toMatchObject({ content: '<@123> your clip' });

    const fetched = await rest.get(Routes.channelMessage(channel.id, sent.id));
    expect(fetched).toMatchObject({ id: sent.id, content: '<@123> your clip' });
    const missing = await apiError(
      rest.post(Routes.channelMessages(channel.id), {
        body: { content: 'x', message_reference: { message_id: '1' } },
      }),
    );
    expect(missing).toMatchObject({ status: 400, code: 50035 });
    expect(
      await apiError(rest.post(Routes.channelMessages('1234567890123456789'), { body: { content: 'x' } })),
    ).toMatchObject({
      status: 404,
      code: 10003,
    });
    const dm = fake.dm(fake.user(), { botMember: false });
    expect(
      await apiError(rest.post(Routes.channelMessages(dm.id), { body: { content: 'x' } })),
    ).toMatchObject({
      status: 403,
      code: 50001,
    });
    expect(await apiError(rest.post(Routes.channelMessages(channel.id), { body: {} }))).toMatchObject({
      code: 50006,
    });
  });

  it('makes editReply fail with 50027 on demand, then work again', async () => {
    const fake = await start();
    const client = await connect(fake);
    const { interaction, token } = await runCommand(fake, client);
    await interaction.deferReply();
    fake.failNext('webhook-edit', 'invalid-webhook-token');
    const error = await apiError(interaction.editReply('done'));
    expect(error).toMatchObject({ status: 401, code: 50027, message: 'Invalid Webhook Token' });
    await interaction.editReply('done');
    expect(fake.original(token)?.content).toBe('done');
    expect(fake.calls('webhook-edit').map((c) => c.status)).toEqual([401, 200]);
  });

  it('has 429s retried by @discordjs/rest (Retry-After and X-RateLimit-* honoured)', async () => {
    const fake = await start();
    const client = await connect(fake);
    const limited: number[] = [];
    client.rest.on('rateLimited', (info) => limited.push(info.retryAfter));
    const { interaction, token, id } = await runCommand(fake, client);
    fake.failNext('callback', 'rate-limit', { retryAfter: 0.05 });
    await interaction.deferReply();
    fake.failNext('webhook-edit', 'rate-limit', { retryAfter: 0.05, times: 2 });
    await interaction.editReply('after the wait');
    expect(fake.callbacks(id).map((c) => c.status)).toEqual([429, 204]);
    expect(fake.calls('webhook-edit').map((c) => c.status)).toEqual([429, 429, 200]);
    expect(fake.calls('webhook-edit')[0]?.response).toMatchObject({ retry_after: 0.05, global: false });
    expect(fake.original(token)?.content).toBe('after the wait');
    // Only the webhook route's SequentialHandler emits `rateLimited`; the callback's BurstHandler just sleeps.
    expect(limited).toHaveLength(2);
  });

  it('refuses files over the interaction’s attachment_size_limit with 40005', async () => {
    const fake = await start();
    const client = await connect(fake);
    const { interaction } = await runCommand(fake, client, { attachmentSizeLimit: 1024 });
    expect(interaction.attachmentSizeLimit).toBe(1024);
    await interaction.deferReply();
    const error = await apiError(
      interaction.editReply({ files: [{ attachment: Buffer.alloc(2048, 1), name: 'big.bin' }] }),
    );
    expect(error).toMatchObject({ status: 413, code: 40005, message: 'Request entity too large' });
    fake.failNext('followup', 'too-large');
    expect(await apiError(interaction.followUp('small'))).toMatchObject({ code: 40005 });
  });

  it('expires interaction tokens: 15 minutes, expireToken(), and the 3 s first-response deadline', async () => {
    const fake = await start();
    const client = await connect(fake);

    const a = await runCommand(fake, client);
    await a.interaction.deferReply();
    const base = Date.now();
    fake.now = () => base + 15 * 60_000 + 1;
    expect(await apiError(a.interaction.editReply('late'))).toMatchObject({ status: 401, code: 50027 });
    expect(await apiError(a.interaction.followUp('late'))).toMatchObject({ code: 50027 });
    fake.now = () => Date.now();

    const b = await runCommand(fake, client);
    await b.interaction.deferReply();
    fake.expireToken(b.token);
    expect(await apiError(b.interaction.editReply('x'))).toMatchObject({ code: 50027 });

    const c = await runCommand(fake, client);
    fake.expireToken(c.token);
    expect(await apiError(c.interaction.deferReply())).toMatchObject({
      status: 404,
      code: 10062,
      message: 'Unknown interaction',
    });

    const d = await runCommand(fake, client);
    fake.now = () => Date.now() + 3_500;
    expect(await apiError(d.interaction.deferReply())).toMatchObject({ code: 10062 });
  });

  it('bulk-overwrites global and guild commands, keeping ids by name', async () => {
    const fake = await start();
    const guild = fake.guild();
    const client = await connect(fake);
    const video: ChatInputApplicationCommandData = {
      name: 'video',
      description: 'Make a clip',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'prompt',
          description: 'What happens',
          required: true,
        },
        { type: ApplicationCommandOptionType.Attachment, name: 'first_frame', description: 'Start image' },
      ],
    };
    const set = await client.application.commands.set([video, { name: 'status', description: 'Your jobs' }]);
    expect(set.map((c) => c.name).sort()).toEqual(['status', 'video']);
    const stored = fake.commands();
    expect(stored.map((c) => [c.name, c.application_id, c.type])).toEqual([
      ['video', fake.applicationId, 1],
      ['status', fake.applicationId, 1],
    ]);
    const again = await client.application.commands.set([video]);
    expect(again.first()?.id).toBe(stored[0]?.id);
    expect(fake.commands().map((c) => c.name)).toEqual(['video']);
    await client.application.commands.set([{ name: 'admin', description: 'Guild only' }], guild.id);
    expect(fake.commands(guild.id)[0]).toMatchObject({ name: 'admin', guild_id: guild.id });
    expect((await client.application.commands.fetch()).size).toBe(1);
    const bad = await apiError(client.application.commands.set([{ name: 'Video', description: 'x' }]));
    expect(bad).toMatchObject({ status: 400, code: 50035 });

    // A dispatched command carries the registered id.
    const { interaction } = await runCommand(fake, client, { channelId: fake.channel(guild.id).id });
    expect(interaction.commandId).toBe(stored[0]?.id);
    expect(fake.calls('commands').map((c) => c.method)).toEqual(['PUT', 'PUT', 'PUT', 'GET', 'PUT']);
  });

  it('delivers DM commands with `user`, and resumes a dropped gateway session', async () => {
    const fake = await start();
    const client = await connect(fake);
    const user = fake.user(undefined, 'alice');
    const dm = fake.dm(user);
    const { interaction } = await runCommand(fake, client, { channelId: dm.id, user });
    expect(interaction.inGuild()).toBe(false);
    expect(interaction.user.username).toBe('alice');
    expect(interaction.context).toBe(1);

    const resumed = once(client, Events.ShardResume);
    fake.disconnect(4000);
    await resumed;
    expect(fake.sessions()).toHaveLength(1);
    const again = await runCommand(fake, client);
    expect(again.interaction.isChatInputCommand()).toBe(true);
  });

  it('records unknown routes and expires CDN links', async () => {
    const fake = await start();
    const res = await fetch(`${fake.apiUrl}/v10/users/@me`, {
      headers: { authorization: `Bot ${FAKE_DISCORD_TOKEN}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: '404: Not Found', code: 0 });
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4');
    const att = fake.attachment(makePng(4, 4), { filename: 'x.png' });
    expect((await fetch(att.url)).headers.get('content-type')).toBe('image/png');
    fake.now = () => Date.now() + 25 * 3_600_000;
    const gone = await fetch(att.url);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe('This content is no longer available.');
    expect(fake.calls().map((c) => c.kind)).toEqual(['not-found', 'cdn', 'cdn']);
  });

  it('refreshes expired attachment URLs (POST /attachments/refresh-urls)', async () => {
    const fake = await start();
    const png = makePng(8, 8, 2);
    const att = fake.attachment(png, { filename: 'frame.png' });
    const channel = fake.channel();
    const rest = new REST({ api: fake.apiUrl }).setToken(FAKE_DISCORD_TOKEN);
    const clip = clipMp4();
    const sent = (await rest.post(Routes.channelMessages(channel.id), {
      files: [{ name: 'clip.mp4', data: clip }],
    })) as { attachments: { url: string }[] };
    const upload = sent.attachments[0]!.url;

    const base = Date.now();
    fake.now = () => base + fake.cdnTtlMs + 1_000;
    expect((await fetch(att.url)).status).toBe(404);
    expect((await fetch(upload)).status).toBe(404);
    const { status, body } = await refreshUrls(fake, { attachment_urls: [att.url, upload] });
    expect(status).toBe(200);
    expect(body.refreshed_urls.map((r) => r.original)).toEqual([att.url, upload]);
    const [fresh, freshUpload] = body.refreshed_urls.map((r) => r.refreshed);
    expect(fresh).toMatch(/\/ephemeral-attachments\/\d+\/\d+\/frame\.png\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=/);
    expect(fresh).not.toBe(att.url);
    // Signed on the fake's clock, valid for cdnTtlMs from now.
    const is = Number.parseInt(new URL(fresh!).searchParams.get('is')!, 16);
    expect(is).toBe(Math.floor(fake.now() / 1000));
    expect(Number.parseInt(new URL(fresh!).searchParams.get('ex')!, 16)).toBe(is + fake.cdnTtlMs / 1000);
    expect(await bytesOf(fresh!)).toEqual(png);
    expect(await bytesOf(freshUpload!)).toEqual(clip);
    expect((await fetch(att.url)).status).toBe(404); // the old one stays dead
    fake.now = () => base + 2 * fake.cdnTtlMs + 2_000;
    expect((await fetch(fresh!)).status).toBe(404);

    // expireAttachments() kills every URL handed out so far, leaving the clock (and tokens) alone.
    fake.now = () => Date.now();
    const other = fake.attachment(png, { filename: 'b.png' });
    expect((await fetch(other.url)).status).toBe(200);
    fake.expireAttachments();
    const gone = await fetch(other.url);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe('This content is no longer available.');
    const again = await refreshUrls(fake, { attachment_urls: [other.url] });
    expect(await bytesOf(again.body.refreshed_urls[0]!.refreshed)).toEqual(png);
    expect(fake.calls('refresh-urls').map((c) => [c.method, c.path, c.status])).toEqual([
      ['POST', '/attachments/refresh-urls', 200],
      ['POST', '/attachments/refresh-urls', 200],
    ]);
    expect(fake.calls('refresh-urls')[0]?.json).toEqual({ attachment_urls: [att.url, upload] });
  });

  it('refuses refresh-urls without the bot token (401) or with 0 or over 50 URLs (400 50035)', async () => {
    const fake = await start();
    const att = fake.attachment(makePng(4, 4), { filename: 'x.png' });
    const anonymous = await refreshUrls(fake, { attachment_urls: [att.url] }, false);
    expect(anonymous).toEqual({ status: 401, body: { message: '401: Unauthorized', code: 0 } });
    expect(fake.calls('unauthorized')[0]).toMatchObject({ path: '/attachments/refresh-urls', status: 401 });

    for (const attachment_urls of [[], Array.from({ length: 51 }, () => att.url)]) {
      const { status, body } = await refreshUrls(fake, { attachment_urls });
      expect(status).toBe(400);
      expect(body).toMatchObject({
        code: 50035,
        message: 'Invalid Form Body',
        errors: { attachment_urls: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } },
      });
    }
    expect(await refreshUrls(fake, {})).toMatchObject({ status: 400, body: { code: 50035 } });
    expect(await refreshUrls(fake, { attachment_urls: [42] })).toMatchObject({
      status: 400,
      body: { errors: { attachment_urls: { 0: { _errors: [{ code: 'URL_TYPE_INVALID_URL' }] } } } },
    });
    const fifty = await refreshUrls(fake, { attachment_urls: Array.from({ length: 50 }, () => att.url) });
    expect(fifty.status).toBe(200);
    expect(fifty.body.refreshed_urls).toHaveLength(50);
    expect(fake.calls('refresh-urls').map((c) => c.status)).toEqual([400, 400, 400, 400, 200]);
  });

  it('deleteAttachment(): 404 for any signature; refresh-urls leaves it and unknown URLs out', async () => {
    const fake = await start();
    const png = makePng(4, 4);
    const kept = fake.attachment(png, { filename: 'kept.png' });
    const byId = fake.attachment(png, { filename: 'a.png' });
    const byUrl = fake.attachment(png, { filename: 'b.png' });
    const stale = (await refreshUrls(fake, { attachment_urls: [byId.url] })).body.refreshed_urls[0]!
      .refreshed;
    fake.deleteAttachment(byId.id);
    fake.deleteAttachment(byUrl.url.split('?')[0]!);
    expect(() => fake.deleteAttachment(byId.id)).toThrow(/no attachment/);
    for (const url of [byId.url, stale, byUrl.url]) {
      const res = await fetch(url);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('This content is no longer available.');
    }
    expect(fake.fileBytes(byId.url)).toBeUndefined();

    const never = `/ephemeral-attachments/${fake.applicationId}/1234567890123456789/x.png?ex=1&is=1&hm=00`;
    const unknown = `${fake.baseUrl}${never}`;
    const elsewhere = 'https://example.com/some/file.png';
    const { status, body } = await refreshUrls(fake, {
      attachment_urls: [byId.url, unknown, kept.url, byUrl.url, elsewhere],
    });
    expect(status).toBe(200);
    expect(body.refreshed_urls.map((r) => r.original)).toEqual([kept.url]);
    expect(await bytesOf(body.refreshed_urls[0]!.refreshed)).toEqual(png);
  });
});

/** A guild id (a snowflake) whose events Discord sends to `shard` of `count`. */
const guildOnShard = (shard: number, count: number): string =>
  String((1_234_567n * BigInt(count) + BigInt(shard)) << 22n);

describe('FakeDiscord: shards', () => {
  it('recommends its shard count, keeps each IDENTIFY shard, and routes guild events by (guild_id >> 22) % count', async () => {
    const fake = await start({ recommendedShards: 2, maxConcurrency: 2 });
    const [g0, g1] = [fake.guild(guildOnShard(0, 2)), fake.guild(guildOnShard(1, 2))];
    expect([shardOf(g0.id, 2), shardOf(g1.id, 2)]).toEqual([0, 1]);
    const [c0, c1] = [fake.channel(g0.id), fake.channel(g1.id)];
    const client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: fake.apiUrl },
      shards: 'auto',
    });
    clients.push(client);
    // Which shard of the client each guild's GUILD_CREATE came in on.
    const guildShard = new Map<string, number>();
    client.on(Events.Raw, (packet: { t?: string; d?: { id?: string } }, shard: number) => {
      if (packet.t === 'GUILD_CREATE' && packet.d?.id) guildShard.set(packet.d.id, shard);
    });
    const ready = once(client, Events.ClientReady);
    await client.login(FAKE_DISCORD_TOKEN);
    await ready;

    expect(fake.calls('gateway')[0]?.response).toMatchObject({
      shards: 2,
      session_start_limit: { max_concurrency: 2 },
    });
    const sessions = fake.sessions().sort((a, b) => a.shard[0] - b.shard[0]);
    expect(sessions.map((s) => [s.shard, s.identify.shard])).toEqual([
      [
        [0, 2],
        [0, 2],
      ],
      [
        [1, 2],
        [1, 2],
      ],
    ]);
    expect(Object.fromEntries(guildShard)).toEqual({ [g0.id]: 0, [g1.id]: 1 });
    expect(client.guilds.cache.get(g1.id)?.shardId).toBe(1);

    // Each guild's interaction goes to its shard's session alone; a DM to shard 0's.
    const dm = fake.dm(fake.user());
    const on0 = await runCommand(fake, client, { channelId: c0.id, guildId: g0.id });
    const on1 = await runCommand(fake, client, { channelId: c1.id, guildId: g1.id });
    const inDm = await runCommand(fake, client, { channelId: dm.id });
    expect(
      [on0, on1, inDm].map((r) => r.interaction.guild?.shardId ?? r.interaction.client.ws.shards.first()?.id),
    ).toEqual([0, 1, 0]);
    const [s0, s1] = fake.sessions().sort((a, b) => a.shard[0] - b.shard[0]);
    expect(s0?.interactions).toEqual([on0.id, inDm.id]);
    expect(s1?.interactions).toEqual([on1.id]);
    // A guild created later: its GUILD_CREATE goes to its shard's session only.
    const later = fake.guild(guildOnShard(1, 2));
    await waitFor(() => guildShard.get(later.id) === 1, { what: 'GUILD_CREATE on shard 1' });
  });

  it('sessions without shard are [0, 1] and get everything; a session of one shard gets none of the other’s; 4010 for a bad shard', async () => {
    const fake = await start({ recommendedShards: 2 });
    const [g0, g1] = [fake.guild(guildOnShard(0, 2)), fake.guild(guildOnShard(1, 2))];
    const [c0, c1] = [fake.channel(g0.id), fake.channel(g1.id)];
    // This process runs shard 0 of 2 only: shard 1's guilds have no session to go to.
    const half = new Client({ intents: [], rest: { api: fake.apiUrl }, shards: [0], shardCount: 2 });
    clients.push(half);
    const ready = once(half, Events.ClientReady);
    await half.login(FAKE_DISCORD_TOKEN);
    await ready;
    expect(fake.sessions().map((s) => s.shard)).toEqual([[0, 2]]);
    await runCommand(fake, half, { channelId: c0.id, guildId: g0.id });
    expect(() =>
      fake.command({ name: 'video', user: fake.user(), channelId: c1.id, guildId: g1.id }),
    ).toThrow(/no gateway session of the shard/);

    // A raw IDENTIFY without `shard` is [0, 1] and is sent every guild's interactions.
    const socket = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
    const events: string[] = [];
    socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { t?: string; d?: { guild_id?: string } };
      if (frame.t === 'INTERACTION_CREATE') events.push(String(frame.d?.guild_id));
    });
    await once(socket, 'open');
    socket.send(JSON.stringify({ op: 2, d: { token: FAKE_DISCORD_TOKEN, intents: 0, properties: {} } }));
    await waitFor(() => fake.sessions().length === 2, { what: 'the unsharded session' });
    expect(fake.sessions().map((s) => s.shard)).toContainEqual([0, 1]);
    fake.command({ name: 'video', user: fake.user(), channelId: c1.id, guildId: g1.id });
    fake.command({ name: 'video', user: fake.user(), channelId: c0.id, guildId: g0.id });
    await waitFor(() => events.length === 2, { what: 'both interactions on the unsharded session' });
    expect(events).toEqual([g1.id, g0.id]);
    socket.close(1000);

    for (const shard of [[2, 2], [0, 0], [-1, 2], 'x']) {
      const bad = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
      await once(bad, 'open');
      bad.send(
        JSON.stringify({ op: 2, d: { token: FAKE_DISCORD_TOKEN, intents: 0, properties: {}, shard } }),
      );
      const [code] = (await once(bad, 'close')) as [number];
      expect(code).toBe(4010);
    }
  });
});
