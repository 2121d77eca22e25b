/**
 * Issue #12: DingTalk's `timestamp` + `sign` (robot messages) and `x-ddpaas-signature` (card clicks) cover the
 * timestamp only. A pair seen once is accepted with that body only: the same pair with another body is refused
 * 401 with its reason, nothing changes in the database and nothing is sent; the same pair with the same body
 * (DingTalk's retry) is the same delivery, answered once by the dedupe as before. Through the whole app, and
 * across two instances sharing Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import type { LocalDingtalkChannel as DingtalkChannel } from '../../src/local/dingtalk/channel.js';
import { DEMO_CREDENTIALS } from '../../src/local/dingtalk/demo.js';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { createRedisStore } from '../../src/state/redis.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { buttonKey } from '../support/cards.js';
import { DingtalkTestClient } from '../support/dingtalk/client.js';
import { type Harness, startHarness } from '../support/dingtalk/harness.js';
import { dingtalkDriver } from '../support/drivers/dingtalk.js';
import { localServerOf } from '../support/local.js';

const said = (msgs: { text: string }[]) => msgs.map((m) => m.text).join('\n');
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let t: TestApp;
let channel: DingtalkChannel;
let client: DingtalkTestClient;
beforeAll(async () => {
  // no schedules: the daily jobs would send to others while the test counts what was sent
  t = await startTestApp({ schedules: false });
  channel = t.app.channels.get('dingtalk') as DingtalkChannel;
  client = new DingtalkTestClient(channel.credentials, t.app.now);
});
afterAll(async () => {
  await t?.stop();
});

const post = async (path: string, body: string, headers: Record<string, string>) => {
  const res = await fetch(t.app.url + path, { method: 'POST', body, headers });
  const r = { status: res.status, body: (await res.json()) as Record<string, unknown> };
  await t.app.background.idle();
  return r;
};
const server = () => localServerOf(channel);
/** messages the local DingTalk recorded for the people of the test (the worker, the officer) */
const sentCount = () =>
  ['demo-worker-1', 'demo-worker-2', 'demo-officer-1'].reduce((n, u) => n + server().messagesTo(u).length, 0);

describe('a robot message’s signed pair', () => {
  it('replayed with another body → 401 with the reason; nothing stored, nothing sent; its own retry is answered once', async () => {
    const db = t.rt.db;
    const w = 'demo-worker-2';
    const session = server().openSession({ userId: w });
    const headers = client.headers();
    const first = JSON.stringify(client.text(w, '我要参加', { session }));
    expect((await post('/dingtalk/callback', first, headers)).status).toBe(200);
    const asked = server().messagesTo(w).length;
    expect(asked).toBeGreaterThan(0);
    const enrolments = await db.enrolment.count();
    const sent = sentCount();

    // the captured pair with a body of the attacker's: the confirmation the worker never sent
    const forged = JSON.stringify(client.text(w, '确认', { session }));
    const r = await post('/dingtalk/callback', forged, headers);
    expect(r).toEqual({
      status: 401,
      body: { error: 'unauthorized', reason: 'signature already used with another body (replay)' },
    });
    expect(await db.enrolment.count()).toBe(enrolments);
    expect(sentCount()).toBe(sent);

    // DingTalk delivering the first one again under its own pair: the same delivery, answered once already
    expect((await post('/dingtalk/callback', first, headers)).status).toBe(200);
    expect(sentCount()).toBe(sent);
    expect(server().messagesTo(w)).toHaveLength(asked);
  });
});

describe('a card click’s signed pair', () => {
  it('replayed with another button → 401; the claim stays undecided and nobody is told anything', async () => {
    const db = t.rt.db;
    const d = dingtalkDriver(t.app);
    for (const text of ['申请补助', '海南省人民医院', '2月3日', '2月10日', '3万', '1万', '8000', '否'])
      await d.say('demo-worker-1', text);
    await d.sendImage('demo-worker-1', PHOTO);
    await d.say('demo-worker-1', '完成');
    const id = Number(/#(\d+)/.exec(said(await d.say('demo-worker-1', '确认')))?.[1]);
    const card = must(
      d
        .inbox('demo-officer-1')
        .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${id}`))
        .at(-1)?.card,
      'the officer has the claim’s card',
    );
    const key = (text: string) => buttonKey(card, text);

    // the officer clicks 驳回 (the bot asks for a reason; nothing decided yet)
    const headers = client.cardHeaders();
    const reject = JSON.stringify(client.cardClick('demo-officer-1', card.id, key('驳回')));
    expect((await post('/dingtalk/card-callback', reject, headers)).status).toBe(200);
    expect(said(d.inbox('demo-officer-1').slice(-1))).toContain('原因');
    const sent = sentCount();

    // someone who saw that request turns it into 批准
    const approve = JSON.stringify(client.cardClick('demo-officer-1', card.id, key('批准')));
    const r = await post('/dingtalk/card-callback', approve, headers);
    expect(r).toEqual({
      status: 401,
      body: { error: 'unauthorized', reason: 'card: signature already used with another body (replay)' },
    });
    expect((await db.claim.findUniqueOrThrow({ where: { id } })).status).toBe('submitted');
    expect(await db.approval.count({ where: { claimId: id } })).toBe(0);
    expect(sentCount()).toBe(sent);
    expect(d.card('demo-officer-1', card.id)?.finalText).toBeUndefined();
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL)('across instances sharing Redis', () => {
  it('a pair used on one instance and replayed with another body on the other → 401, not handled', async () => {
    const server = await LocalDingtalkServer.start();
    const prefix = `replay-${process.pid}-${Date.now().toString(36)}:`;
    const env = {
      DINGTALK_APP_KEY: DEMO_CREDENTIALS.appKey,
      DINGTALK_APP_SECRET: DEMO_CREDENTIALS.appSecret,
      DINGTALK_ROBOT_CODE: DEMO_CREDENTIALS.robotCode,
      DINGTALK_API_BASE: server.url,
      DINGTALK_OAPI_BASE: server.url,
    };
    const instances: Harness[] = [];
    const stores = [0, 1].map(() =>
      createRedisStore(must(process.env.TEST_REDIS_URL, 'TEST_REDIS_URL (the suite is skipped without it)'), {
        prefix,
      }),
    );
    try {
      for (const store of stores)
        instances.push(
          await startHarness({
            store,
            env,
            channel: { settings: { DINGTALK_MODE: 'http', DINGTALK_CORP_ID: DEMO_CREDENTIALS.corpId } },
          }),
        );
      const [a, b] = instances as [Harness, Harness];
      const headers = a.client.headers();
      const session = server.openSession({ userId: 'u1' });
      expect((await a.post('/dingtalk/callback', a.client.text('u1', '第一句', { session }), headers)).status).toBe(
        200,
      );
      const replay = await b.post('/dingtalk/callback', b.client.text('u1', '伪造的', { session }), headers);
      expect(replay.status).toBe(401);
      await a.background.idle();
      await b.background.idle();
      expect([...a.handled, ...b.handled].map((m) => (m.kind === 'text' ? m.text : m.kind))).toEqual(['第一句']);
    } finally {
      for (const h of instances) await h.stop();
      for (const s of stores) await s.close();
      await server.close();
    }
  });
});
