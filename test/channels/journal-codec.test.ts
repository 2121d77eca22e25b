/**
 * What the inbound journal keeps (src/channels/journal-codec.ts): a message and its replies read back as they were
 * (the people's words untouched, the date a date, a chart's bytes), a file message without its download (which then
 * fails, so the bot answers busy), an export past the kept bytes left out, and anything of another shape refused.
 */
import { describe, expect, it } from 'vitest';
import {
  FileGoneError,
  KEPT_BYTES_MAX,
  reviveMessage,
  reviveReplies,
  serializeMessage,
  serializeReplies,
} from '../../src/channels/journal-codec.js';
import type { InboundMessage, Reply } from '../../src/core/messages.js';

describe('journal codec', () => {
  it('a message reads back as it was, its date a date', () => {
    const at = new Date('2026-11-30T16:00:01.250Z');
    const msg: InboundMessage = {
      platform: 'dingtalk',
      userId: 'u1',
      chatId: 'cid1',
      dedupeKey: 'msgR1',
      receivedAt: at,
      kind: 'text',
      text: '我參加了沒有？ 12,000元',
    };
    const back = reviveMessage(serializeMessage(msg));
    expect(back).toEqual(msg);
    expect(back?.receivedAt).toBeInstanceOf(Date);
  });

  it('a file message comes back without its download, which fails by name', async () => {
    const msg: InboundMessage = {
      platform: 'wecom',
      userId: 'admin',
      dedupeKey: 'msg:9',
      receivedAt: new Date(),
      kind: 'file',
      name: 'HN-0101 名册.xlsx',
      fetchFile: async () => ({ bytes: Buffer.from('x') }),
    };
    const back = reviveMessage(serializeMessage(msg));
    expect(back?.kind).toBe('file');
    if (back?.kind !== 'file') throw new Error('a file message');
    expect(back.name).toBe('HN-0101 名册.xlsx');
    await expect(back.fetchFile(1_000)).rejects.toBeInstanceOf(FileGoneError);
  });

  it('replies read back with their bytes; a card answer and an export past the kept bytes are left out', () => {
    const chart = Buffer.alloc(40_000, 7);
    const big = Buffer.alloc(KEPT_BYTES_MAX, 1);
    const replies: Reply[] = [
      { kind: 'text', text: '您已参加' },
      { kind: 'markdown', text: '**排名** 3' },
      { kind: 'image', png: chart, name: 'chart.png' },
      { kind: 'card', card: { id: 'c1', title: '#12', fields: [{ label: '金额', value: '1,200.00' }], buttons: [] } },
      { kind: 'card_answer', card: { id: 'c1', title: '#12', fields: [], buttons: [] }, settle: async () => {} },
      { kind: 'file', bytes: big, name: '进度表.xlsx' },
    ];
    const back = reviveReplies(serializeReplies(replies));
    expect(back).toEqual([replies[0], replies[1], replies[2], replies[3]]);
  });

  it('another shape is refused, never half read', () => {
    expect(reviveMessage('{"userId":"u1"}')).toBeNull();
    expect(reviveMessage('not json')).toBeNull();
    expect(reviveReplies('[{"kind":"text"}]')).toBeNull();
    expect(reviveReplies('{}')).toBeNull();
  });
});
