/**
 * Issue #12, played against a production-mode app: NODE_ENV=production, the production composition
 * (src/app/start.ts), both platforms configured with made-up credentials whose APIs are local servers. Each attack
 * of the issue goes through the real routes and is refused, with nothing changed in the database and nothing sent:
 * - callbacks signed or encrypted with the demo credentials published in this repository;
 * - a forged card click by a worker (and by a rep) on a claim they have no role for: "无权操作" and nothing more;
 * - a DingTalk signed pair replayed with another body;
 * - a DingTalk sessionWebhook of the sender's choosing (another host, a loopback port, file:, plain http).
 * The binding attack (a fresh chat id every try) runs in both modes in binding.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDingtalkChannel } from '../../src/local/dingtalk/channel.js';
import { DEMO_CREDENTIALS as DINGTALK_DEMO } from '../../src/local/dingtalk/demo.js';
import { DEMO_CREDENTIALS as WECOM_DEMO } from '../../src/local/wecom/demo.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { DingtalkTestClient } from '../support/dingtalk/client.js';
import { driverFor } from '../support/drivers/index.js';
import { WecomTestClient } from '../support/wecom/client.js';

const said = (msgs: { text: string }[]) => msgs.map((m) => m.text).join('\n');

let t: TestApp;
let evil: http.Server;
let evilHits = 0;
beforeAll(async () => {
  t = await startTestApp({ mode: 'production', schedules: false });
  evil = http.createServer((_req, res) => {
    evilHits++;
    res.end('{}');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await t?.stop();
  await new Promise<void>((r) => evil?.close(() => r()));
});

/** what the database and the platforms hold: an attack must change none of it */
async function snapshot() {
  const db = t.rt.db;
  const dt = t.app.channels.get('dingtalk') as LocalDingtalkChannel;
  const wc = t.app.channels.get('wecom') as unknown as { localServer: { allMessages(): unknown[] } };
  return {
    claims: await db.claim.findMany({ orderBy: { id: 'asc' } }),
    decisions: await db.approval.count(),
    enrolments: await db.enrolment.count(),
    identities: await db.chatIdentity.count(),
    dingtalkSent: dt.localServer?.lastSeq(),
    wecomSent: wc.localServer.allMessages().length,
  };
}

const post = async (path: string, body: string, headers: Record<string, string>) => {
  const res = await fetch(t.app.url + path, { method: 'POST', body, headers });
  const text = await res.text();
  await t.app.background.idle();
  return { status: res.status, text };
};

describe('a production app', () => {
  it('is the production composition: both platforms, made-up credentials, no emulator', async () => {
    expect(t.rt.config.NODE_ENV).toBe('production');
    expect([...t.app.channels.keys()].sort()).toEqual(['dingtalk', 'wecom']);
    expect((await fetch(`${t.app.url}/emulator/`)).status).toBe(404);
  });

  it('refuses callbacks signed or encrypted with the demo credentials, on every route', async () => {
    const before = await snapshot();
    const wc = new WecomTestClient(WECOM_DEMO);
    const sealed = wc.seal(wc.text('demo-worker-1', '我参加了吗'));
    expect((await post(sealed.path, sealed.body, { 'content-type': 'text/xml' })).status).toBe(401);
    const dt = new DingtalkTestClient(DINGTALK_DEMO, t.app.now);
    const robot = JSON.stringify(dt.text('demo-worker-1', '我参加了吗'));
    expect((await post('/dingtalk/callback', robot, dt.headers())).status).toBe(401);
    const click = JSON.stringify(dt.cardClick('demo-worker-1', 'claim-1', 'approve:1'));
    expect((await post('/dingtalk/card-callback', click, dt.cardHeaders())).status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });
});

describe.each(['wecom', 'dingtalk'])('forged clicks on %s', (platform) => {
  it('a worker or a rep clicking 批准 on a claim they have no role for hears "无权操作" and nothing else', async () => {
    const d = driverFor(platform, t.app);
    const db = t.rt.db;
    // the paid demo claim of demo-worker-1: a forged click must not reveal its state, officer or time
    const claim = await db.claim.findFirstOrThrow({ orderBy: { id: 'asc' } });
    const before = await snapshot();
    for (const who of ['demo-worker-1', 'demo-worker-2', 'demo-rep-1']) {
      const answer = said(await d.click(who, `forged-${claim.id}`, `approve:${claim.id}`));
      expect(answer).toBe('无权操作。');
    }
    expect(await snapshot()).toMatchObject({
      claims: before.claims,
      decisions: before.decisions,
      enrolments: before.enrolments,
      identities: before.identities,
    });
  });
});

describe('DingTalk in production', () => {
  const dingtalk = () => t.app.channels.get('dingtalk') as LocalDingtalkChannel;
  const client = () => new DingtalkTestClient(dingtalk().credentials, t.app.now);

  it('a signed pair replayed with another body is refused (401); nothing stored, nothing sent', async () => {
    const c = client();
    const headers = c.headers();
    expect(
      (await post('/dingtalk/callback', JSON.stringify(c.text('demo-worker-2', '我要参加')), headers)).status,
    ).toBe(200);
    const before = await snapshot();
    const forged = await post('/dingtalk/callback', JSON.stringify(c.text('demo-worker-2', '确认')), headers);
    expect(forged.status).toBe(401);
    expect(forged.text).toContain('replay');
    expect(await snapshot()).toEqual(before);
  });

  it('a sessionWebhook of the sender’s choosing is never called; the answer goes through the API', async () => {
    const port = (evil.address() as AddressInfo).port;
    const server = dingtalk().localServer;
    if (!server) throw new Error('no local DingTalk server attached');
    const hooks = [
      `http://127.0.0.1:${port}/robot/send?session=x`,
      `https://evil.example/robot/send?session=x`,
      'file:///etc/passwd',
      // DingTalk's own host, but plain http: refused in production
      `${new URL(server.url).origin}/robot/sendBySession?session=x`,
    ];
    for (const url of hooks) {
      const before = server.messagesTo('demo-worker-1').length;
      const body = client().text('demo-worker-1', '我参加了吗', {
        session: { url, expiresAt: t.app.now().getTime() + 3_600_000 },
      });
      const r = await post('/dingtalk/callback', JSON.stringify(body), client().headers());
      expect(r.status).toBe(200);
      // the member hears the answer, through DingTalk's API rather than the given address
      expect(server.messagesTo('demo-worker-1').length).toBeGreaterThan(before);
    }
    expect(evilHits).toBe(0);
  });
});
