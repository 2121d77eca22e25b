/**
 * Stream mode through the composition root (issue 8 "a full conversation and an approval click work in Stream mode
 * against the local gateway"): startServices with the DingTalk channel in Stream mode on its local server; the
 * driver sends every message and click as a frame over the local gateway. A fake bot: text → echo, "审批" → a card,
 * a click → the card updated for everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../../src/app/start.js';
import { loadConfig } from '../../../src/config.js';
import type { InboundMessage, OutboundMessage } from '../../../src/core/messages.js';
import { createDb } from '../../../src/db/client.js';
import { applyMigrations } from '../../../src/db/migrations.js';
import { createLocalDingtalkChannel, type LocalDingtalkChannel } from '../../../src/local/dingtalk/channel.js';
import { startLocalServices } from '../../../src/local/start-local.js';
import { freshDatabaseUrl } from '../../support/db.js';
import { captureLog } from '../../support/dingtalk/harness.js';
import { dingtalkDriver } from '../../support/drivers/dingtalk.js';
import { localServerOf } from '../../support/local.js';

let app: RunningApp;
let drop: () => Promise<void>;
let closeDb: () => Promise<void>;
const handled: InboundMessage[] = [];

const card = (id: string, finalText?: string): OutboundMessage & { kind: 'card' } => ({
  kind: 'card',
  card: {
    id,
    title: '报销审批',
    fields: [{ label: '金额', value: '¥1,860.00' }],
    buttons: [
      { key: 'approve', text: '同意' },
      { key: 'reject', text: '驳回' },
    ],
    ...(finalText ? { finalText } : {}),
  },
});

beforeAll(async () => {
  const db = await freshDatabaseUrl('sqlite');
  drop = db.drop;
  await applyMigrations(db.url);
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url });
  const { log } = captureLog();
  const prisma = createDb(db.url);
  closeDb = () => prisma.$disconnect();
  const handle = async (m: InboundMessage): Promise<OutboundMessage[]> => {
    handled.push(m);
    if (m.kind === 'text' && m.text === '审批') return [{ kind: 'text', text: '请审批：' }, card('claim-S-0001')];
    if (m.kind === 'text') return [{ kind: 'text', text: `echo: ${m.text}` }];
    if (m.kind === 'file') {
      const f = await m.fetchFile(1024 * 1024);
      return [{ kind: 'file', bytes: f.bytes, name: `echo-${m.name}` }];
    }
    if (m.kind === 'card_click') {
      await app.outbox.updateCard(
        'dingtalk',
        { cardId: m.cardId },
        card(m.cardId, `已${m.action === 'approve' ? '同意' : '驳回'}`),
      );
      return [{ kind: 'text', text: '已处理' }];
    }
    return [];
  };
  app = await startLocalServices(
    { config, log, db: prisma, close: async () => undefined },
    {
      port: 0,
      channels: [(deps) => createLocalDingtalkChannel(deps, { settings: { DINGTALK_MODE: 'stream' } })],
      handle,
    },
  );
});

afterAll(async () => {
  await app?.stop();
  await closeDb?.();
  await drop?.();
});

describe('dingtalkDriver over Stream', () => {
  it('runs in Stream mode: one connection to the local gateway, cards with Stream callbacks', async () => {
    const channel = app.channels.get('dingtalk') as LocalDingtalkChannel;
    expect(channel.mode).toBe('stream');
    expect(localServerOf(channel).gateway.connections()).toBe(1);
  });

  it('a conversation: each message a frame, each reply through its sessionWebhook', async () => {
    const d = dingtalkDriver(app, { transport: 'stream' });
    expect((await d.say('demo-worker-1', '我参加了吗')).map((m) => m.text)).toEqual(['echo: 我参加了吗']);
    const got = await d.say('demo-officer-1', '审批');
    expect(got.map((m) => m.kind)).toEqual(['text', 'card']);
    expect(localServerOf(app.channels.get('dingtalk') as LocalDingtalkChannel).card('claim-S-0001')?.callbackType).toBe(
      'STREAM',
    );
  });

  it('an approval click: a card-topic frame, the card final for the officer, a redelivered frame changes nothing', async () => {
    const d = dingtalkDriver(app, { transport: 'stream' });
    expect((await d.click('demo-officer-1', 'claim-S-0001', 'approve')).map((m) => m.text)).toEqual(['已处理']);
    expect(d.card('demo-officer-1', 'claim-S-0001')).toMatchObject({ finalText: '已同意', buttons: [] });
    expect(await d.redeliverLast('demo-officer-1')).toEqual([]);
    expect(handled.filter((m) => m.kind === 'card_click')).toHaveLength(1);
  });

  it('a file: a robot frame with its downloadCode, fetched through messageFiles/download, a sampleFile back', async () => {
    const d = dingtalkDriver(app, { transport: 'stream' });
    const bytes = Buffer.from('PK\u0003\u0004 workbook bytes', 'latin1');
    const got = await d.sendFile('demo-officer-1', '组织.xlsx', bytes);
    expect(got.map((m) => m.kind)).toEqual(['file']);
    expect(got[0]?.file).toEqual({ name: 'echo-组织.xlsx', bytes });
  });
});
