import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { autoRetry } from '@grammyjs/auto-retry';
import { Api, Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { clipMp4, documentPdf, photoJpeg } from '../helpers/media.js';
import { waitFor } from '../helpers/wait.js';
import { FAKE_BOT, FAKE_TOKEN, FakeTelegram, type FakeTelegramOptions } from './telegram.js';

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(options: Partial<FakeTelegramOptions> = {}): Promise<{ fake: FakeTelegram; api: Api }> {
  const fake = await FakeTelegram.start({ token: FAKE_TOKEN, ...options });
  open.push(fake);
  return { fake, api: new Api(FAKE_TOKEN, { apiRoot: fake.apiUrl }) };
}

/** The GrammyError a call fails with (fails the test if it succeeds or fails otherwise). */
async function rejection(call: Promise<unknown>): Promise<GrammyError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GrammyError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const NOT_MODIFIED =
  'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

describe('FakeTelegram, driven by grammY', () => {
  it('answers getMe with the bot the token names', async () => {
    const { fake, api } = await setup();
    const me = await api.getMe();
    expect(me).toMatchObject({
      id: FAKE_BOT.id,
      is_bot: true,
      username: FAKE_BOT.username,
      can_join_groups: true,
      can_read_all_group_messages: false,
    });
    expect(fake.calls('getMe')).toMatchObject([{ method: 'getMe', status: 200 }]);
  });

  it('long-polls getUpdates: queued updates, bot_command entities, offset confirms, limit', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const chat = fake.privateChat(user);
    const sent = fake.send({ chat, from: user, text: '/video@ReelayTestBot a cat surfing' });
    expect(sent.entities).toEqual([
      { type: 'bot_command', offset: 0, length: '/video@ReelayTestBot'.length },
    ]);

    const updates = await api.getUpdates({ timeout: 5 });
    expect(updates).toHaveLength(1);
    expect(updates[0]!.message).toEqual(sent);
    // Not confirmed yet: the same update comes again.
    expect(await api.getUpdates({ timeout: 0 })).toEqual(updates);
    // An offset above it confirms it; it is gone for good.
    expect(await api.getUpdates({ offset: updates[0]!.update_id + 1, timeout: 0 })).toEqual([]);
    expect(fake.pendingUpdates).toEqual([]);

    for (const text of ['one', 'two', 'three']) fake.send({ chat, from: user, text });
    const two = await api.getUpdates({ limit: 2, timeout: 0 });
    expect(two.map((u) => u.message?.text)).toEqual(['one', 'two']);
    expect(two[1]!.update_id).toBe(two[0]!.update_id + 1);
    expect(two[0]!.update_id).toBe(updates[0]!.update_id + 1);
    // Message ids are per chat and increasing.
    expect(two.map((u) => u.message?.message_id)).toEqual([sent.message_id + 1, sent.message_id + 2]);
  });

  it('holds a long poll until an update arrives, and answers [] when its timeout passes', async () => {
    const { fake, api } = await setup();
    const user = fake.user(undefined, 'Ada');
    const chat = fake.privateChat(user);

    const poll = api.getUpdates({ timeout: 30 });
    await fake.waitForPoll();
    expect(fake.calls('getUpdates')[0]!.status).toBe(0);
    const sent = fake.send({ chat, from: user, text: 'hello' });
    const updates = await poll;
    expect(updates.map((u) => u.message)).toEqual([sent]);

    const polled = Date.now();
    const emptyPoll = api.getUpdates({ offset: updates[0]!.update_id + 1, timeout: 1 });
    await fake.waitForPoll();
    expect(await emptyPoll).toEqual([]);
    expect(Date.now() - polled).toBeGreaterThanOrEqual(950);
    expect(fake.calls('getUpdates').map((c) => c.status)).toEqual([200, 200]);
  });

  it('ends a held poll with 409 when another getUpdates comes, and close() releases held polls at once', async () => {
    const { fake, api } = await setup();
    const first = rejection(api.getUpdates({ timeout: 30 }));
    await fake.waitForPoll();
    const second = api.getUpdates({ timeout: 30 });
    const conflict = await first;
    expect(conflict.error_code).toBe(409);
    expect(conflict.description).toBe(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    await fake.waitForPoll();
    const closing = Date.now();
    await fake.close();
    expect(await second).toEqual([]);
    expect(Date.now() - closing).toBeLessThan(5_000);
  });

  it('sends a reply with an inline keyboard, takes a button press, edits, and refuses a no-op edit', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const group = fake.groupChat();
    const asked = fake.send({ chat: group, from: user, text: '/video@ReelayTestBot a cat' });

    const reply = await api.sendMessage(group.id, 'Queued: <b>a cat</b> &amp; more', {
      parse_mode: 'HTML',
      reply_parameters: { message_id: asked.message_id },
      reply_markup: new InlineKeyboard().text('Cancel', 'cancel:1'),
    });
    expect(reply.message_id).toBe(asked.message_id + 1);
    expect(reply.from).toEqual({
      id: FAKE_BOT.id,
      is_bot: true,
      first_name: FAKE_BOT.first_name,
      username: FAKE_BOT.username,
    });
    expect(reply.chat).toEqual(group);
    expect(reply.text).toBe('Queued: a cat & more');
    expect(reply.entities).toEqual([{ type: 'bold', offset: 8, length: 5 }]);
    expect(reply.reply_to_message).toEqual(asked);
    expect(reply.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Cancel', callback_data: 'cancel:1' }]],
    });
    expect(fake.message(group.id, reply.message_id)).toEqual(reply);
    expect(fake.calls('sendMessage')[0]!.params).toMatchObject({
      chat_id: group.id,
      reply_parameters: { message_id: asked.message_id },
    });

    // The user presses the button: the bot sees the message as it is now, and answers the query once.
    expect(fake.buttons(reply)).toEqual([{ text: 'Cancel', callback_data: 'cancel:1' }]);
    const queryId = fake.press(reply, { text: 'Cancel' }, user);
    const updates = await api.getUpdates({ timeout: 5 });
    const query = updates.find((u: Update) => u.callback_query)?.callback_query;
    expect(query).toMatchObject({ id: queryId, from: user, data: 'cancel:1', message: reply });
    await api.answerCallbackQuery(queryId, { text: 'Cancelled' });
    expect(fake.callbackAnswer(queryId)).toEqual({ text: 'Cancelled' });
    expect((await rejection(api.answerCallbackQuery(queryId))).description).toBe(
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    );

    // Same text without reply_markup: the keyboard goes, so the edit is a change.
    const edited = (await api.editMessageText(group.id, reply.message_id, 'Queued: <b>a cat</b> &amp; more', {
      parse_mode: 'HTML',
    })) as Message;
    expect(edited.text).toBe('Queued: a cat & more');
    expect(edited.reply_markup).toBeUndefined();
    expect(edited.edit_date).toBeTypeOf('number');
    expect(fake.message(group.id, reply.message_id)?.reply_markup).toBeUndefined();
    expect(() => fake.press(reply, 'cancel:1', user)).toThrow(/no button/);
    expect(() => fake.press(reply, { text: /Cancel/ }, user)).toThrow(/no button/);
    // A press that raced the edit still reaches the bot.
    const stale = fake.press(reply, 'cancel:1', user, { stale: true });
    expect(
      (await api.getUpdates({ offset: updates.at(-1)!.update_id + 1, timeout: 0 }))[0]?.callback_query?.id,
    ).toBe(stale);

    const noop = await rejection(
      api.editMessageText(group.id, reply.message_id, 'Queued: <b>a cat</b> &amp; more', {
        parse_mode: 'HTML',
      }),
    );
    expect(noop.error_code).toBe(400);
    expect(noop.description).toBe(NOT_MODIFIED);
    // Same words without the bold is a change (entities differ).
    await api.editMessageText(group.id, reply.message_id, 'Queued: a cat & more');

    expect((await rejection(api.editMessageText(group.id, 999, 'x'))).description).toBe(
      'Bad Request: message to edit not found',
    );
    expect((await rejection(api.editMessageText(group.id, asked.message_id, 'x'))).description).toBe(
      "Bad Request: message can't be edited",
    );
    const markup = new InlineKeyboard().text('Again', 'again');
    await api.editMessageReplyMarkup(group.id, reply.message_id, { reply_markup: markup });
    expect(
      (await rejection(api.editMessageReplyMarkup(group.id, reply.message_id, { reply_markup: markup })))
        .description,
    ).toBe(NOT_MODIFIED);
  });

  it('parses markup like Telegram and refuses what Telegram refuses', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const chat = fake.privateChat(user);
    const html = await rejection(api.sendMessage(chat.id, 'a < b', { parse_mode: 'HTML' }));
    expect(html.description).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    );
    const md = await rejection(api.sendMessage(chat.id, 'Version 1.0', { parse_mode: 'MarkdownV2' }));
    expect(md.description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    const ok = await api.sendMessage(chat.id, '*Done* in 1\\.0 s: [watch](https://example.com/c)', {
      parse_mode: 'MarkdownV2',
    });
    expect(ok.text).toBe('Done in 1.0 s: watch');
    expect(ok.entities).toEqual([
      { type: 'bold', offset: 0, length: 4 },
      { type: 'text_link', offset: 15, length: 5, url: 'https://example.com/c' },
    ]);
    expect((await rejection(api.sendMessage(chat.id, '   '))).description).toBe(
      'Bad Request: message text is empty',
    );
    expect((await rejection(api.sendMessage(chat.id, 'x'.repeat(4097)))).description).toBe(
      'Bad Request: message is too long',
    );
    expect((await rejection(api.sendMessage(424242, 'hi'))).description).toBe('Bad Request: chat not found');
    expect(
      (await rejection(api.sendMessage(chat.id, 'hi', { reply_parameters: { message_id: 999 } })))
        .description,
    ).toBe('Bad Request: message to be replied not found');
    expect(
      (
        await rejection(
          api.sendMessage(chat.id, 'hi', {
            reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'y'.repeat(65) }]] },
          }),
        )
      ).description,
    ).toBe('Bad Request: BUTTON_DATA_INVALID');
    fake.blockBot(chat);
    const blocked = await rejection(api.sendMessage(chat.id, 'hi'));
    expect([blocked.error_code, blocked.description]).toEqual([
      403,
      'Forbidden: bot was blocked by the user',
    ]);
  });

  it('serves getFile and the file download with the exact bytes; refuses unknown and too-big files', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const chat = fake.privateChat(user);
    const bytes = photoJpeg();
    const sizes = fake.photo(bytes, 480, 360);
    expect(sizes.map((s) => [s.width, s.height])).toEqual([
      [90, 68],
      [320, 240],
      [480, 360],
    ]);
    const sent = fake.send({ chat, from: user, photo: sizes, caption: '/video make it move' });
    expect(sent.caption_entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);

    const [update] = await api.getUpdates({ timeout: 5 });
    const largest = update!.message!.photo!.at(-1)!;
    const file = await api.getFile(largest.file_id);
    expect(file).toMatchObject({ file_id: largest.file_id, file_size: bytes.length });
    expect(file.file_path).toMatch(/^photos\/file_\d+\.jpg$/);
    const download = await fetch(`${fake.apiUrl}/file/bot${FAKE_TOKEN}/${file.file_path}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect(fake.calls('file')).toMatchObject([{ params: { file_path: file.file_path }, status: 200 }]);

    const thumb = await api.getFile(sizes[0]!.file_id);
    const thumbBytes = Buffer.from(await (await fetch(fake.fileUrl(thumb.file_path!))).arrayBuffer());
    expect(thumbBytes.equals(bytes)).toBe(false);

    const big = fake.document(documentPdf(), 'application/pdf', 'big.pdf', 25 * 1024 * 1024);
    expect(big.file_size).toBe(25 * 1024 * 1024);
    expect((await rejection(api.getFile(big.file_id))).description).toBe('Bad Request: file is too big');
    expect((await rejection(api.getFile('AgACAgIAAxkBAAI-nope'))).description).toBe(
      'Bad Request: invalid file_id',
    );
    const wrongToken = await fetch(`${fake.apiUrl}/file/bot${FAKE_BOT.id}:nope/${file.file_path}`);
    expect(wrongToken.status).toBe(401);
  });

  it('forgets a file on demand: getFile then answers "invalid file_id" and the download 404', async () => {
    const { fake, api } = await setup();
    const stored = fake.putFile(photoJpeg(), { mime: 'image/jpeg', fileName: 'a.jpg' });
    const { file_path: path } = await api.getFile(stored.file_id);
    expect(fake.forgetFile(stored.file_id)).toBe(true);
    expect(fake.forgetFile(stored.file_id)).toBe(false);
    expect((await rejection(api.getFile(stored.file_id))).description).toBe('Bad Request: invalid file_id');
    expect((await fetch(fake.fileUrl(path as string))).status).toBe(404);
    expect(fake.file(stored.file_id)).toBeUndefined();
  });

  it('takes sendVideo with an InputFile as grammY uploads it and keeps identical bytes', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const chat = fake.privateChat(user);
    const clip = clipMp4();

    const message = await api.sendVideo(chat.id, new InputFile(clip), {
      caption: 'Done: <i>a cat</i>',
      parse_mode: 'HTML',
      supports_streaming: true,
    });
    expect(message.caption).toBe('Done: a cat');
    expect(message.caption_entities).toEqual([{ type: 'italic', offset: 6, length: 5 }]);
    expect(message.video).toMatchObject({
      width: 320,
      height: 180,
      duration: 1,
      file_name: 'video.mp4',
      mime_type: 'video/mp4',
      file_size: clip.length,
    });
    expect(message.video?.thumbnail).toMatchObject({ width: 320, height: 180 });
    expect(fake.file(message.video!.file_id)!.bytes.equals(clip)).toBe(true);

    // As it came over the wire: a multipart form, the file behind `attach://<random id>`.
    const call = await fake.waitForCall('sendVideo');
    expect(call.params).toMatchObject({
      chat_id: chat.id,
      caption: 'Done: <i>a cat</i>',
      supports_streaming: true,
    });
    expect(call.params.video).toMatch(/^attach:\/\/\w+$/);
    const part = call.files[String(call.params.video).slice('attach://'.length)]!;
    expect(part).toMatchObject({ filename: 'video.mp4', contentType: 'application/octet-stream' });
    expect(part.data.equals(clip)).toBe(true);
    expect(call.uploads.video).toBe(part);

    // A file_id sends the same file again; nothing at all is refused.
    const again = await api.sendVideo(chat.id, message.video!.file_id);
    expect(again.video?.file_id).toBe(message.video!.file_id);
    expect((await rejection(api.sendVideo(chat.id, ''))).description).toBe(
      'Bad Request: there is no video in the request',
    );
  });

  it('takes a document part named after the parameter, and answers 413 above the upload limit', async () => {
    const { fake, api } = await setup({ uploadLimitBytes: 4096 });
    const user = fake.user();
    const chat = fake.privateChat(user);
    const pdf = documentPdf();

    const form = new FormData();
    form.set('chat_id', String(chat.id));
    form.set('document', new Blob([pdf], { type: 'application/pdf' }), 'clip report.pdf');
    const response = await fetch(`${fake.apiUrl}/bot${FAKE_TOKEN}/sendDocument`, {
      method: 'POST',
      body: form,
    });
    const body = (await response.json()) as { ok: boolean; result: Message };
    expect(body.ok).toBe(true);
    expect(body.result.document).toMatchObject({
      file_name: 'clip report.pdf',
      mime_type: 'application/pdf',
      file_size: pdf.length,
    });
    expect(fake.file(body.result.document!.file_id)!.bytes.equals(pdf)).toBe(true);

    const tooBig = await rejection(api.sendVideo(chat.id, new InputFile(clipMp4())));
    expect([tooBig.error_code, tooBig.description]).toEqual([413, 'Request Entity Too Large']);
  });

  it('answers 429 with retry_after on demand, and auto-retry waits that long before retrying', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const chat = fake.privateChat(user);

    fake.rateLimit('sendMessage', 1);
    const limited = await rejection(api.sendMessage(chat.id, 'first'));
    expect(limited.error_code).toBe(429);
    expect(limited.description).toBe('Too Many Requests: retry after 1');
    expect(limited.parameters.retry_after).toBe(1);

    api.config.use(autoRetry());
    fake.rateLimit('sendMessage', 1);
    const sent = await api.sendMessage(chat.id, 'second');
    expect(sent.text).toBe('second');
    const [, refused, retried] = fake.calls('sendMessage');
    expect(refused!.status).toBe(429);
    expect(refused!.response).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    expect(retried!.status).toBe(200);
    expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(1_000);
  });

  it('answers 401 to a wrong token and 404 to an unknown method', async () => {
    const { fake } = await setup();
    const stranger = new Api(`${FAKE_BOT.id}:not-the-secret`, { apiRoot: fake.apiUrl });
    const refused = await rejection(stranger.getMe());
    expect([refused.error_code, refused.description]).toEqual([401, 'Unauthorized']);
    expect(fake.server.requestsOf('unauthorized')).toHaveLength(1);

    const unknown = await fetch(`${fake.apiUrl}/bot${FAKE_TOKEN}/sendTelepathy`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
    // Method names are case-insensitive, as on Telegram; GET with query parameters works too.
    const me = await fetch(`${fake.apiUrl}/bot${FAKE_TOKEN}/GETME`);
    expect(((await me.json()) as { result: { id: number } }).result.id).toBe(FAKE_BOT.id);
  });

  it('records commands and chat actions, and validates them', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const chat = fake.privateChat(user);
    await api.setMyCommands([{ command: 'video', description: 'Make a clip' }]);
    expect(fake.commands()).toEqual([{ command: 'video', description: 'Make a clip' }]);
    expect(await api.getMyCommands()).toEqual([{ command: 'video', description: 'Make a clip' }]);
    expect(await api.sendChatAction(chat.id, 'upload_video')).toBe(true);
    expect(
      (await rejection(api.raw.sendChatAction({ chat_id: chat.id, action: 'dancing' as 'typing' })))
        .description,
    ).toBe('Bad Request: wrong parameter action in request');
  });

  it('keeps command lists per scope', async () => {
    const { fake, api } = await setup();
    await api.setMyCommands([{ command: 'video', description: 'Make a clip' }]);
    await api.setMyCommands(
      [
        { command: 'video', description: 'Make a clip' },
        { command: 'admin', description: 'Settings' },
      ],
      { scope: { type: 'all_chat_administrators' } },
    );
    expect(fake.commands().map((c) => c.command)).toEqual(['video']);
    expect(fake.commands({ type: 'all_chat_administrators' }).map((c) => c.command)).toEqual([
      'video',
      'admin',
    ]);
    expect(await api.getMyCommands({ scope: { type: 'all_chat_administrators' } })).toHaveLength(2);
  });

  it('answers getChatMember from the statuses set and the messages sent; leaveChat leaves a group, not a private chat', async () => {
    const { fake, api } = await setup();
    const owner = fake.user(11, 'Owner');
    const talker = fake.user(12, 'Talker');
    const lurker = fake.user(13, 'Lurker');
    const group = fake.groupChat();
    fake.setMember(group, owner, 'creator');
    fake.send({ chat: group, from: talker, text: 'hello' });
    expect(await api.getChatMember(group.id, owner.id)).toMatchObject({
      status: 'creator',
      user: { id: 11 },
    });
    expect((await api.getChatMember(group.id, talker.id)).status).toBe('member');
    expect((await api.getChatMember(group.id, lurker.id)).status).toBe('left');
    fake.setMember(group, lurker, 'administrator');
    expect(await api.getChatMember(group.id, lurker.id)).toMatchObject({
      status: 'administrator',
      can_manage_chat: true,
    });
    expect((await rejection(api.getChatMember(group.id, 999))).description).toBe(
      'Bad Request: user not found',
    );

    const dm = fake.privateChat(talker);
    expect((await rejection(api.leaveChat(dm.id))).description).toBe(
      "Bad Request: chat member status can't be changed in private chats",
    );
    const before = fake.pendingUpdates.length;
    expect(await api.leaveChat(group.id)).toBe(true);
    expect(fake.hasLeft(group)).toBe(true);
    const forbidden = await rejection(api.sendMessage(group.id, 'still here?'));
    expect([forbidden.error_code, forbidden.description]).toEqual([
      403,
      'Forbidden: bot is not a member of the group chat',
    ]);
    fake.send({ chat: group, from: talker, text: '/video unheard' });
    const left = fake.pendingUpdates.slice(before);
    expect(left.map((u) => u.my_chat_member?.new_chat_member.status ?? 'message')).toEqual(['left']);

    fake.addBot(group, owner);
    expect(fake.hasLeft(group)).toBe(false);
    const added = fake.pendingUpdates.at(-1)?.my_chat_member;
    expect(added).toMatchObject({
      from: { id: 11 },
      old_chat_member: { status: 'left' },
      new_chat_member: { status: 'member', user: { id: FAKE_BOT.id } },
    });
    expect((await api.sendMessage(group.id, 'back')).text).toBe('back');
  });

  it('delivers updates to a webhook with its secret, and runs a webhook reply', async () => {
    const { fake, api } = await setup();
    const user = fake.user();
    const chat = fake.privateChat(user);
    const received: { secret: string | undefined; update: Update }[] = [];
    const hook = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const update = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Update;
        received.push({
          secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined,
          update,
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: 'sendMessage', chat_id: update.message?.chat.id, text: 'pong' }));
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () => {
        hook.closeAllConnections();
        return new Promise<void>((resolve) => hook.close(() => resolve()));
      },
    });
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/telegram`;

    expect(await api.setWebhook(url, { secret_token: 'reelay-secret_1' })).toBe(true);
    expect(fake.webhook).toEqual({ url, secret_token: 'reelay-secret_1' });
    expect((await rejection(api.getUpdates())).error_code).toBe(409);
    const ping = fake.send({ chat, from: user, text: 'ping' });
    const pong = await fake.waitForMessage(chat.id, (m) => m.text === 'pong');
    expect(received).toEqual([
      { secret: 'reelay-secret_1', update: { update_id: expect.any(Number), message: ping } },
    ]);
    expect(pong.message_id).toBe(ping.message_id + 1);
    expect(fake.calls('sendMessage')).toMatchObject([{ viaWebhookReply: true, status: 200 }]);
    expect(fake.pendingUpdates).toEqual([]);

    expect(await api.deleteWebhook()).toBe(true);
    expect(await api.getUpdates({ timeout: 0 })).toEqual([]);
  });

  it('runs a real grammY Bot: start() long-polls, a command handler replies, stop() confirms the offset', async () => {
    const { fake } = await setup();
    const user = fake.user();
    const chat = fake.groupChat(undefined, { type: 'supergroup' });
    const bot = new Bot(FAKE_TOKEN, { client: { apiRoot: fake.apiUrl } });
    bot.command('video', (ctx) =>
      ctx.reply(`Queued: ${ctx.match}`, { reply_parameters: { message_id: ctx.msg.message_id } }),
    );
    const running = bot.start({ allowed_updates: ['message', 'callback_query'] });
    await waitFor(() => bot.isRunning() && fake.calls('getUpdates').length > 0);

    const asked = fake.send({ chat, from: user, text: '/video@ReelayTestBot a cat surfing' });
    const reply = await fake.waitForMessage(chat.id, (m) => m.text?.startsWith('Queued') === true);
    expect(reply).toMatchObject({
      text: 'Queued: a cat surfing',
      reply_to_message: { message_id: asked.message_id },
    });

    await bot.stop();
    await running;
    expect(fake.pendingUpdates).toEqual([]);
    expect(fake.calls('deleteWebhook')).toHaveLength(1);
  });
});
