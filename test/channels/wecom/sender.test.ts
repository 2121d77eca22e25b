/**
 * Rendering OutboundMessage into WeCom calls (WECOM.md §4, §6), checked by the local WeCom server the way WeCom
 * checks them: text split at line breaks under 2048 bytes, images uploaded then sent, cards as template_card with
 * response_code updates, group chats through appchat (cards as markdown), the robot webhook.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimited, WecomApiError, WecomInputError } from '../../../src/channels/wecom/errors.js';
import { splitUtf8 } from '../../../src/channels/wecom/render.js';
import type { Card } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { only } from '../../support/only.js';
import { startApi } from '../../support/wecom/api.js';

type Api = Awaited<ReturnType<typeof startApi>>;
let t: Api;
afterEach(async () => {
  await t?.stop();
});

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1b1f50000000049454e44ae426082',
  'hex',
);

const claimCard = (id: string, extra: Partial<Card> = {}): Card => ({
  id,
  title: '医疗互助报销审批 HN-2017-0001',
  description: '海口市演示单位工会 林海燕',
  emphasis: { title: '¥1,860.00', desc: '拟补助金额' },
  fields: [
    { label: '住院天数', value: '6 天' },
    { label: '自付费用', value: '¥4,650.00' },
  ],
  buttons: [
    { key: `approve:${id}`, text: '同意', style: 'primary' },
    { key: `reject:${id}`, text: '驳回', style: 'danger' },
  ],
  ...extra,
});

describe('splitUtf8', () => {
  it('breaks at line ends, keeps every line, never exceeds the limit', () => {
    const text = Array.from({ length: 400 }, (_, i) => `第${i}行 海口市演示单位工会`).join('\n');
    const parts = splitUtf8(text, 2048);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);
    expect(parts.join('\n')).toBe(text);
    expect(splitUtf8('短', 2048)).toEqual(['短']);
  });

  it('cuts a single over-long line between characters, never inside one', () => {
    const line = '互助'.repeat(1000); // 6000 bytes, 3 bytes a character
    const parts = splitUtf8(line, 2048);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);
    expect(parts.join('')).toBe(line);
  });
});

describe('to users (message/send)', () => {
  it('text over 2048 bytes goes out as several messages, none refused', async () => {
    t = await startApi();
    const text = Array.from({ length: 400 }, (_, i) => `${i}. 海口市演示单位工会 已参互`).join('\n');
    await t.sender.send({ userIds: ['u1', 'u2'] }, { kind: 'text', text });
    const sent = t.server.messagesTo('u2');
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.map((m) => (m.body.text as { content: string }).content).join('\n')).toBe(text);
    expect(sent[0]?.body.touser).toBe('u1|u2');
  });

  it('markdown', async () => {
    t = await startApi();
    await t.sender.send({ userIds: ['u'] }, { kind: 'markdown', text: '**排名** 第 3' });
    expect(t.server.messagesTo('u')[0]).toMatchObject({
      msgtype: 'markdown',
      body: { markdown: { content: '**排名** 第 3' } },
    });
  });

  it('an image is uploaded (multipart) and sent by media_id', async () => {
    t = await startApi();
    await t.sender.send({ userIds: ['u'] }, { kind: 'image', png: PNG, name: 'chart.png' });
    const m = only(t.server.messagesTo('u'), 'message to u');
    const mediaId = (m.body.image as { media_id: string }).media_id;
    expect(t.server.media(mediaId)).toMatchObject({ bytes: PNG, contentType: 'image/png', filename: 'chart.png' });
    expect(t.server.requests('/cgi-bin/media/upload')[0]?.query.type).toBe('image');
    expect(await t.api.media(mediaId)).toEqual(PNG);
  });

  it('a card with buttons → button_interaction keyed by the card id; its response_code comes back', async () => {
    t = await startApi();
    const ref = await t.sender.send(
      { userIds: ['officer1', 'officer2'] },
      { kind: 'card', card: claimCard('claim-HN0001') },
    );
    expect(ref.responseCode).toBeTruthy();
    const card = must(t.server.card('claim-HN0001'), 'the card was sent');
    expect(card.userIds).toEqual(['officer1', 'officer2']);
    expect(card.current).toMatchObject({
      card_type: 'button_interaction',
      task_id: 'claim-HN0001',
      main_title: { title: '医疗互助报销审批 HN-2017-0001' },
      emphasis_content: { title: '¥1,860.00', desc: '拟补助金额' },
      horizontal_content_list: [
        { keyname: '住院天数', value: '6 天' },
        { keyname: '自付费用', value: '¥4,650.00' },
      ],
      button_list: [
        { key: 'approve:claim-HN0001', text: '同意', style: 1 },
        { key: 'reject:claim-HN0001', text: '驳回', style: 3 },
      ],
    });
  });

  it('the same card id twice is refused by WeCom (task_id never repeats)', async () => {
    t = await startApi();
    await t.sender.send({ userIds: ['o'] }, { kind: 'card', card: claimCard('c1') });
    await expect(t.sender.send({ userIds: ['o'] }, { kind: 'card', card: claimCard('c1') })).rejects.toMatchObject({
      errcode: 40058,
    });
  });

  it('a card id outside task_id’s charset is a WecomInputError before any call', async () => {
    t = await startApi();
    await expect(t.sender.send({ userIds: ['o'] }, { kind: 'card', card: claimCard('报销:1') })).rejects.toBeInstanceOf(
      WecomInputError,
    );
    expect(t.server.requests('/cgi-bin/message/send')).toHaveLength(0);
  });

  it('a card without buttons → text_notice with its required card_action', async () => {
    t = await startApi();
    await t.sender.send({ userIds: ['u'] }, { kind: 'card', card: claimCard('n1', { buttons: [] }) });
    expect(t.server.card('n1')?.current).toMatchObject({
      card_type: 'text_notice',
      card_action: { type: 1, url: 'https://huzhu.example.org/' },
    });
  });

  it('updateCard with a click’s response_code replaces the card for everyone (atall), greyed with the final text; the code is single-use', async () => {
    t = await startApi();
    await t.sender.send({ userIds: ['officer1', 'officer2'] }, { kind: 'card', card: claimCard('claim-2') });
    const code = t.server.issueClickCode('claim-2');
    const final = { kind: 'card' as const, card: claimCard('claim-2', { finalText: '已同意（吴文静）' }) };
    await t.sender.updateCard({ cardId: 'claim-2', responseCode: code }, final);
    const card = must(t.server.card('claim-2'), 'the card was sent');
    expect(card.current).toMatchObject({
      card_type: 'button_interaction',
      task_id: 'claim-2',
      replace_text: '已同意（吴文静）',
    });
    expect(card.updates[0]?.body).toMatchObject({ atall: 1, response_code: code, agentid: t.server.creds.agentId });
    await expect(t.sender.updateCard({ cardId: 'claim-2', responseCode: code }, final)).rejects.toBeInstanceOf(
      WecomApiError,
    );
  });

  it('the send’s own response_code allows one update too', async () => {
    t = await startApi();
    const ref = await t.sender.send({ userIds: ['o'] }, { kind: 'card', card: claimCard('claim-3') });
    await t.sender.updateCard(
      { cardId: 'claim-3', responseCode: ref.responseCode },
      { kind: 'card', card: claimCard('claim-3', { finalText: '已撤回' }) },
    );
    expect(t.server.card('claim-3')?.current.replace_text).toBe('已撤回');
  });
});

describe('to a group chat (appchat/send)', () => {
  it('text and a card rendered as markdown (no template_card in appchat)', async () => {
    t = await startApi();
    t.server.putChat('unionhk01', ['a', 'b']);
    await t.sender.send({ chatId: 'unionhk01' }, { kind: 'text', text: '截止日期：3 月 31 日' });
    await t.sender.send({ chatId: 'unionhk01' }, { kind: 'card', card: claimCard('g1') });
    const sent = t.server.messagesToChat('unionhk01');
    expect(sent.map((m) => m.msgtype)).toEqual(['text', 'markdown']);
    expect((sent[1]?.body.markdown as { content: string } | undefined)?.content).toContain(
      '**医疗互助报销审批 HN-2017-0001**',
    );
  });

  it('a chat the app did not create: 86003', async () => {
    t = await startApi();
    await expect(t.sender.send({ chatId: 'nochat' }, { kind: 'text', text: 'x' })).rejects.toMatchObject({
      errcode: 86003,
    });
  });

  it('appchat/create over HTTP, then send', async () => {
    t = await startApi();
    const r = await t.api.postJson('/cgi-bin/appchat/create', {
      name: '互助群',
      owner: 'a',
      userlist: ['a', 'b'],
      chatid: 'hz01',
    });
    expect(r.chatid).toBe('hz01');
    await t.sender.send({ chatId: 'hz01' }, { kind: 'markdown', text: '**公告**' });
    expect(t.server.messagesToChat('hz01')).toHaveLength(1);
  });
});

describe('group robot webhook', () => {
  it('markdown over 4096 bytes is split; an image goes as base64 + md5', async () => {
    t = await startApi();
    const md = Array.from({ length: 300 }, (_, i) => `> ${i} 海口市演示单位工会 完成率 98.50%`).join('\n');
    await t.robot.sendMarkdown('KEY1', md);
    await t.robot.sendImage('KEY1', PNG);
    const sent = t.server.robotMessages('KEY1');
    const mdParts = sent
      .filter((m) => m.msgtype === 'markdown')
      .map((m) => (m.body.markdown as { content: string }).content);
    expect(mdParts.length).toBeGreaterThan(1);
    for (const p of mdParts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(4096);
    expect(mdParts.join('\n')).toBe(md);
    expect(sent.at(-1)?.body.image).toEqual({
      base64: PNG.toString('base64'),
      md5: createHash('md5').update(PNG).digest('hex'),
    });
  });

  it('over 20 a minute: RateLimited, and the robot is not called again within the window', async () => {
    t = await startApi();
    for (let i = 0; i < 20; i++) await t.robot.sendText('KEY2', `${i}`);
    await expect(t.robot.sendText('KEY2', 'x')).rejects.toBeInstanceOf(RateLimited);
    await expect(t.robot.sendText('KEY2', 'y')).rejects.toBeInstanceOf(RateLimited);
    expect(t.server.requests('/cgi-bin/webhook/send')).toHaveLength(21);
    await t.robot.sendText('KEY3', 'another robot is not blocked');
  });

  it('an unknown key: 93000', async () => {
    t = await startApi({ server: { robotKeys: ['GOOD'] } });
    await expect(t.robot.sendMarkdown('BAD', 'x')).rejects.toMatchObject({ errcode: 93000 });
  });
});
