/**
 * Issue 14, the channel's side of a card answer: a click answered in time carries the clicked card as the passive
 * update_template_card (the clicker's copy, no response_code spent) and settles it as seen by the clicker once the
 * answer has left; a click answered late settles it as seen by nobody (the queue then redraws every copy), and its
 * text goes through the API either way. Built and opened by the independent test crypto.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CardAnswer, CardAnswered, Reply } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { templateCardFromXml } from '../../../src/local/wecom/passive-card-schema.js';
import { localServerOf } from '../../support/local.js';
import { type Harness, type HarnessOptions, startHarness } from '../../support/wecom/harness.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const apiTexts = (userId: string) =>
  localServerOf(h.channel)
    .messagesTo(userId)
    .filter((m) => m.msgtype === 'text')
    .map((m) => (m.body.text as { content?: string } | undefined)?.content);

/** a card the officer was sent (so the local server knows its task_id), and the answer a click gets */
async function setUp(o: HarnessOptions, wait?: Promise<void>, settling?: () => Promise<void>) {
  const settled: CardAnswered[] = [];
  const card = {
    id: 'claim-7-l1-r0-test',
    title: '补助申请 #7',
    fields: [{ label: '医院', value: '海南省人民医院' }],
    buttons: [{ key: 'approve:7', text: '批准' }],
  };
  const answer: CardAnswer = {
    kind: 'card_answer',
    card: { ...card, finalText: '已批准 · 吴文静' },
    settle: async (a) => {
      await settling?.();
      settled.push(a);
    },
  };
  h = await startHarness({
    ...o,
    handle: async (): Promise<Reply[]> => {
      await wait;
      return [answer, { kind: 'text', text: '已批准补助申请 #7' }];
    },
  });
  await h.channel.sender.send({ userIds: ['u1', 'u2'] }, { kind: 'card', card });
  const server = localServerOf(h.channel);
  const cb = h.client.seal(h.client.cardClick('u1', card.id, 'approve:7', server.issueClickCode(card.id)));
  return { settled, cb, card };
}

describe('a card click answered with the card', () => {
  it('in time: the passive answer is the clicker’s card; settled for the clicker after it left; the text by API', async () => {
    const { settled, cb, card } = await setUp({});
    const r = await h.post(cb.path, cb.body);
    const reply = h.client.openReply(r.body);
    expect(reply.MsgType).toBe('update_template_card');
    const drawn = templateCardFromXml(must(reply.TemplateCard, 'TemplateCard'));
    expect(drawn).toMatchObject({ task_id: card.id, card_type: 'button_interaction', replace_text: '已批准 · 吴文静' });
    expect(drawn.button_list).toEqual([{ text: '批准', style: 1, key: 'approve:7' }]);
    // WeCom (the local server) takes it as an update of u1's copy only
    expect(localServerOf(h.channel).recordPassiveCard('u1', drawn)).toBeNull();
    await h.background.idle();
    expect(settled).toEqual([{ userIds: ['u1'] }]);
    expect(apiTexts('u1')).toEqual(['已批准补助申请 #7']);
  });

  it('late: an empty 200, settled as seen by nobody (the queue redraws every copy); the text by API', async () => {
    let release = () => {};
    const wait = new Promise<void>((r) => {
      release = r;
    });
    const { settled, cb } = await setUp({ channel: { passiveBudgetMs: 100 } }, wait);
    const r = await h.post(cb.path, cb.body);
    expect(r).toMatchObject({ status: 200, body: '' });
    expect(settled).toEqual([]);
    release();
    await h.background.idle();
    expect(settled).toEqual([null]);
    expect(apiTexts('u1')).toEqual(['已批准补助申请 #7']);
  });

  it('the text follows the card’s settling, which waits while other clicks are being decided', async () => {
    // the bot's settle waits for a burst of clicks to be answered (click-first.ts) and then hands the decision's
    // rows to the queue; here it is held until the click's answer is back, then sends a text of its own to u2
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const { settled, cb } = await setUp({}, undefined, async () => {
      await held;
      await h.channel.sender.send({ userIds: ['u2'] }, { kind: 'text', text: '其他副本已刷新' });
    });
    const r = await h.post(cb.path, cb.body);
    expect(h.client.openReply(r.body).MsgType).toBe('update_template_card');
    release();
    await h.background.idle();
    expect(settled).toEqual([{ userIds: ['u1'] }]);
    // one sequence orders everything the local WeCom received: the settle's send came before the click's text
    const server = localServerOf(h.channel);
    const seqOf = (userId: string, text: string) =>
      must(
        server.messagesTo(userId).find((m) => (m.body.text as { content?: string } | undefined)?.content === text),
        text,
      ).seq;
    expect(seqOf('u2', '其他副本已刷新')).toBeLessThan(seqOf('u1', '已批准补助申请 #7'));
  });
});
