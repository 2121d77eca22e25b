/**
 * When WeCom's callback waits for a passive answer (issue #17): with a queue ahead whose expected wait is past the
 * queue's budget (queueBudgetMs; by default the passive budget), the callback is acknowledged at once, empty, and
 * the reply goes through the API; under that budget it waits (up to the passive budget) and answers passively. Every
 * message is handled once, whichever way it is answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAdmission } from '../../../src/channels/admission.js';
import { localServerOf } from '../../support/local.js';
import * as wecom from '../../support/wecom/harness.js';

describe('WeCom: the queue’s budget for a passive answer', () => {
  let wh: wecom.Harness | undefined;
  afterEach(async () => {
    await wh?.stop();
    wh = undefined;
  });

  /** one slot; a turn "takes" `turnMs` on the gate's clock, so the expected wait is known without timing */
  async function queued(turnMs: number, channel: { passiveBudgetMs: number; queueBudgetMs?: number }) {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let clock = 0;
    const admission = createAdmission(1, () => clock);
    wh = await wecom.startHarness({
      admission,
      channel,
      handle: async (m) => {
        const text = m.kind === 'text' ? m.text : '';
        if (text === 'warm') clock += turnMs;
        else if (text === 'blocked') await held;
        return [{ kind: 'text', text: `echo: ${text}` }];
      },
    });
    const h = wh;
    const warm = h.client.seal(h.client.text('user0', 'warm'));
    expect(h.client.openReply((await h.post(warm.path, warm.body)).body).Content).toBe('echo: warm');
    const blocked = h.client.seal(h.client.text('user1', 'blocked'));
    const pending = h.post(blocked.path, blocked.body);
    await until(() => admission.load().running === 1);
    // one message behind the stuck one: its expected wait is one turn
    const behind = h.client.seal(h.client.text('user2', 'behind'));
    const answer = h.post(behind.path, behind.body);
    return { h, answer, pending, release };
  }

  it('acknowledges at once when the queue ahead is expected to take longer than its budget, and replies through the API', async () => {
    const { h, answer, pending, release } = await queued(300, { passiveBudgetMs: 60_000, queueBudgetMs: 250 });
    // answered while the bot is still stuck (a wait for the passive answer would outlast the test)
    expect(await answer).toMatchObject({ status: 200, body: '' });
    release();
    expect(h.client.openReply((await pending).body).Content).toBe('echo: blocked');
    await h.background.idle();
    expect(h.handled.map((m) => (m.kind === 'text' ? m.text : ''))).toEqual(['warm', 'blocked', 'behind']);
    expect(
      localServerOf(h.channel)
        .messagesTo('user2')
        .map((m) => (m.body.text as { content?: string }).content),
    ).toEqual(['echo: behind']);
  });

  it('waits for the passive answer under the queue’s budget (by default the passive budget)', async () => {
    const { h, answer, pending, release } = await queued(300, { passiveBudgetMs: 60_000 });
    // not answered while the bot is stuck
    let answered = false;
    void answer.then(() => {
      answered = true;
    });
    await until(() => h.handled.length === 2);
    expect(answered).toBe(false);
    release();
    expect(h.client.openReply((await pending).body).Content).toBe('echo: blocked');
    expect(h.client.openReply((await answer).body).Content).toBe('echo: behind');
    await h.background.idle();
    expect(localServerOf(h.channel).messagesTo('user2')).toEqual([]);
  });
});

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};
