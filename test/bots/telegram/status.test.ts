import { describe, expect, it } from 'vitest';
import { statusOf, statusTexts, telegramScenes, videoFor } from '../../helpers/telegram.js';
import { waitFor } from '../../helpers/wait.js';

const scene = telegramScenes();

describe('telegram bot: the live status', () => {
  it("shows the clip's cost and the ETA while the provider reports progress, then the outcome and the cost", async () => {
    const { h: t, alice, chat } = await scene();
    // The provider takes 4 s and reports its percent as it goes.
    t.rh.generationMs = 4_000;
    const request = t.tg.send({ chat, from: alice, text: '/video a glacier calving, slowly' });
    const status = await statusOf(t, chat, request);
    const eta = await waitFor(
      () => statusTexts(t, chat.id, status.message_id).find((text) => /about \d+s left/.test(text)),
      { what: 'a status with an ETA' },
    );
    expect(eta).toMatch(
      /^🎬 Generating… [▓░]{10} \d+%\nkling-2\.5-turbo-pro · 5s · 175 credits · \d+s · about \d+s left\n/,
    );
    expect(eta).toContain('The provider has started on it: stopping it now still counts against your quota.');
    expect(statusTexts(t, chat.id, status.message_id)[0]).toBe(
      '⏳ Queued — #1 in line\nkling-2.5-turbo-pro · 5s · 175 credits',
    );
    await videoFor(t, request);
    await waitFor(() =>
      /^✅ Done in \d+s: your clip is below\.\nkling-2\.5-turbo-pro · 5s · 175 credits$/.test(
        t.tg.message(chat.id, status.message_id)?.text ?? '',
      ),
    );
  });
});
