/**
 * The WeCom journey driver and the emulator adapter over the real composition root (startServices with the WeCom
 * channel on its embedded local server), with a small fake bot: text → echo, "审批" → a card, a click → the card
 * updated for everyone with the click's response code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../../src/app/start.js';
import { loadConfig } from '../../../src/config.js';
import type { InboundMessage, OutboundMessage } from '../../../src/core/messages.js';
import { createDb } from '../../../src/db/client.js';
import { applyMigrations } from '../../../src/db/migrations.js';
import { startLocalServices } from '../../../src/local/start-local.js';
import { createLocalWecomChannel, type LocalWecomChannel } from '../../../src/local/wecom/channel.js';
import { freshDatabaseUrl } from '../../support/db.js';
import { wecomDriver } from '../../support/drivers/wecom.js';
import { emulatorOf, localServerOf } from '../../support/local.js';
import { captureLog } from '../../support/wecom/harness.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
let app: RunningApp;
let drop: () => Promise<void>;
let closeDb: () => Promise<void>;

let cards = 0;
const card = (finalText?: string, id = `claim-HN-${String(++cards).padStart(4, '0')}`): OutboundMessage => ({
  kind: 'card',
  card: {
    id,
    title: '报销审批',
    fields: [{ label: '金额', value: '¥1,860.00' }],
    buttons: [
      { key: 'approve', text: '同意' },
      { key: 'reject', text: '驳回' },
    ],
    finalText,
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
    if (m.kind === 'text' && m.text === '审批') return [{ kind: 'text', text: '请审批：' }, card()];
    if (m.kind === 'text') return [{ kind: 'text', text: `echo: ${m.text}` }];
    if (m.kind === 'image') return [{ kind: 'text', text: `收到图片 ${m.mediaId.slice(0, 2)}` }];
    if (m.kind === 'card_click') {
      await app.outbox.updateCard(
        'wecom',
        { cardId: m.cardId, responseCode: m.responseCode },
        card(`已${m.action === 'approve' ? '同意' : '驳回'}`, m.cardId) as OutboundMessage & { kind: 'card' },
      );
      return [{ kind: 'text', text: '已处理' }];
    }
    return [];
  };
  app = await startLocalServices(
    { config, log, db: prisma, close: async () => undefined },
    { port: 0, channels: [(deps) => createLocalWecomChannel(deps)], handle },
  );
});

afterAll(async () => {
  await app?.stop();
  await closeDb?.();
  await drop?.();
});

describe('wecomDriver', () => {
  it('say → the passive reply; a card goes through the API and shows in the card’s latest state', async () => {
    const d = wecomDriver(app);
    expect(await d.say('demo-worker-1', '我参加了吗')).toEqual([
      expect.objectContaining({ kind: 'text', text: 'echo: 我参加了吗' }),
    ]);
    const got = await d.say('demo-officer-1', '审批');
    expect(got.map((m) => m.kind)).toEqual(['text', 'card']);
    expect(got[1]?.card).toMatchObject({
      id: 'claim-HN-0001',
      buttons: [
        { key: 'approve', text: '同意' },
        { key: 'reject', text: '驳回' },
      ],
    });
    expect(got[1]?.text).toContain('金额：¥1,860.00');
  });

  it('click → the card updated to its final state for the user; a redelivered click changes nothing', async () => {
    const d = wecomDriver(app);
    const got = await d.click('demo-officer-1', 'claim-HN-0001', 'approve');
    expect(got.map((m) => m.text)).toEqual(['已处理']);
    expect(d.card('demo-officer-1', 'claim-HN-0001')).toMatchObject({ finalText: '已同意', buttons: [] });
    expect(await d.redeliverLast('demo-officer-1')).toEqual([]);
    expect(d.inbox('demo-officer-1').map((m) => m.kind)).toEqual(['text', 'card', 'text']);
  });

  it('sendImage → the image callback with a media id the local server can serve', async () => {
    const d = wecomDriver(app);
    expect((await d.sendImage('demo-worker-2', PNG))[0]?.text).toBe('收到图片 m_');
  });
});

describe('the emulator adapter', () => {
  it('posts real callbacks and reads passive replies and API sends in one order', async () => {
    const channel = app.channels.get('wecom') as LocalWecomChannel;
    const em = emulatorOf(channel);
    em.appUrl = app.url;
    const before = localServerOf(channel).lastSeq();
    await em.sendText('demo-centre-1', '你好');
    await em.sendText('demo-centre-1', '审批');
    await app.background.idle();
    const msgs = em.messages({ userId: 'demo-centre-1' }, before);
    expect(msgs.map((m) => m.kind)).toEqual(['text', 'text', 'card']);
    expect(msgs[0]).toMatchObject({ text: 'echo: 你好', to: { userId: 'demo-centre-1' } });
  });
});
