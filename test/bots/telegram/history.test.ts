import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { replayCaption } from '../../../src/bots/telegram/buttons.js';
import { REPLAY_ANSWERS } from '../../../src/desk/content.js';
import { answerTo, say, telegramScenes, videoFor } from '../../helpers/telegram.js';

const scene = telegramScenes();

describe('telegram /history', () => {
  it('lists the last jobs with their cost; a clip is posted again from its link by its maker only', async () => {
    const { h: t, alice, chat } = await scene();
    const bob = t.tg.user(2002, 'Bob');
    const group = t.tg.groupChat();

    expect((await say(t, chat, alice, '/history')).text).toBe(
      '🗂 Your videos\n\nYou have not made any videos yet.',
    );
    const request = t.tg.send({
      chat: group,
      from: alice,
      text: '/video a red fox running through fresh snow',
    });
    await videoFor(t, request);
    t.rh.server.inject('content-rejected', { on: 'submit', times: 10 });
    t.rw.server.inject('content-rejected', { on: 'submit', times: 10 });
    const failing = t.tg.send({ chat, from: alice, text: '/video something the filter dislikes' });
    await t.tg.waitForMessage(
      chat.id,
      (m) => m.reply_to_message?.message_id === failing.message_id && /^❌/.test(m.text ?? ''),
    );

    const history = await say(t, group, alice, '/history');
    const lines = (history.text ?? '').split('\n');
    expect(lines[0]).toBe('🗂 Your last videos');
    expect(lines[2]).toMatch(
      /^1\. kling-2\.5-turbo-pro · “something the filter dislikes” · ❌ failed \(content-rejected\) · no charge · at \d\d:\d\d UTC/,
    );
    expect(lines[3]).toMatch(
      /^2\. kling-2\.5-turbo-pro · “a red fox running through fresh snow” · ✅ done · 175 credits · at \d\d:\d\d UTC .*· can be posted again$/,
    );
    // One button, for the clip that can be posted again.
    const buttons = t.tg.buttons(history);
    expect(buttons).toHaveLength(1);
    expect(buttons[0]?.text).toBe('▶ 2. kling-2.5-turbo-pro “a red fox running t…”');
    expect(buttons[0]?.callback_data).toMatch(/^replay:[0-9a-f-]{36}$/);

    // Bob may not post Alice's clip.
    const refused = t.tg.press(history, buttons[0]?.callback_data as string, bob);
    expect(await answerTo(t, refused)).toEqual({ text: REPLAY_ANSWERS['not-yours'], show_alert: true });
    expect(t.tg.calls('sendVideo')).toHaveLength(1);

    // Alice may: Telegram is given the provider's link, and fetches the clip itself.
    const press = t.tg.press(history, buttons[0]?.callback_data as string, alice);
    expect(await answerTo(t, press)).toEqual({});
    const replay = await t.tg.waitForCall(
      'sendVideo',
      (c) => c.status === 200 && /^http/.test(String(c.params.video)),
    );
    expect(replay.params.video).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results\/\d+\.mp4$/);
    expect(replay.params.caption).toBe(
      replayCaption({ model: 'kling-2.5-turbo-pro', prompt: 'a red fox running through fresh snow' }),
    );
    expect(replay.params.caption).toBe(
      '“a red fox running through fresh snow”\nkling-2.5-turbo-pro · posted again from /history',
    );
    expect(replay.params.reply_parameters).toMatchObject({ message_id: history.message_id });
    const posted = (replay.response as { result: Message }).result;
    expect(t.tg.file(posted.video?.file_id as string)?.bytes.equals(t.rh.video)).toBe(true);
  });

  it('when Telegram refuses the link, the link is posted as text', async () => {
    const { h: t, alice, chat } = await scene();
    await videoFor(t, t.tg.send({ chat, from: alice, text: '/video a heron takes off' }));
    const history = await say(t, chat, alice, '/history');
    // The provider no longer serves the clip to Telegram's fetch.
    t.rh.server.inject('server-error', { on: 'download', times: 5 });
    const press = t.tg.press(history, { text: /^▶ 1\./ }, alice);
    expect(await answerTo(t, press)).toEqual({});
    const refusedUrl = await t.tg.waitForCall('sendVideo', (c) => c.status === 400);
    expect((refusedUrl.response as { description: string }).description).toBe(
      'Bad Request: failed to get HTTP URL content',
    );
    const link = await t.tg.waitForMessage(chat.id, (m) => /posted again from \/history/.test(m.text ?? ''));
    expect(link.text).toMatch(
      /^🎬 “a heron takes off”\nkling-2\.5-turbo-pro · posted again from \/history\n\nhttp:\/\/127\.0\.0\.1:\d+\/results\/\d+\.mp4$/,
    );
    expect(link.reply_to_message?.message_id).toBe(history.message_id);
  });
});
