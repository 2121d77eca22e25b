/**
 * kill -9 while acknowledged messages wait for their turn (issue #17: "nothing acknowledged lost").
 *
 * Injected: the app (the production entry, PostgreSQL, Redis, WeCom and DingTalk at local servers that outlive it)
 * is flooded past its admission bound (32 turns at once) through really signed callbacks: 40 DingTalk senders and
 * 40 WeCom senders write two messages each (你好, then 张三: the binding dialog answers each, and the second answer
 * names 张三 only when the messages were handled in the order they were written). The DingTalk senders' turns are
 * held by their per-user locks (set in Redis, as another instance holding them would), so they fill every slot and
 * the WeCom messages wait in the process's memory behind them. Every callback is acknowledged (DingTalk's 200,
 * WeCom's empty answer after its passive budget); nothing was answered yet. Then kill -9, the locks let go, restart.
 *
 * Observed: the restarted process takes the dead one's journal over (once its lease lapsed) and every sender gets
 * exactly their two answers, in order, through the platforms' APIs; the journal empties, no dead letter; WeCom's and
 * DingTalk's retries of acknowledged callbacks are duplicates that change nothing. Without the journal nobody would
 * be answered: the waiting messages died with the process and their delivery marks turn the retries away.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { turnLockKey } from '../../src/state/turn.js';
import { DingtalkTestClient } from '../support/dingtalk/client.js';
import { dingtalkEnv, madeUpDingtalk } from '../support/made-up.js';
import {
  type ChildApp,
  cleanUp,
  freePort,
  freshPgUrl,
  haveServers,
  prepareDatabase,
  sayWhySkipped,
  spawnApp,
  until,
  wecomSide,
} from './support.js';

sayWhySkipped('the kill -9 inbound journal test is');

const SENDERS = 40;
const ASK_NAME = '请回复您的姓名';
const ASK_LAST4 = '张三，请回复您身份证号的后 4 位';

describe.skipIf(!haveServers)('kill -9 with acknowledged messages waiting (WeCom and DingTalk, Redis)', () => {
  afterAll(cleanUp, 60_000);

  it('every acknowledged message is answered once, in each sender’s order, after the restart', {
    timeout: 300_000,
  }, async () => {
    const url = await freshPgUrl();
    await prepareDatabase(url);
    const port = String(await freePort());
    let app: ChildApp | null = null;
    const w = await wecomSide(() => must(app, 'the app is running').url);
    const dCreds = madeUpDingtalk();
    const dServer = await LocalDingtalkServer.start({ creds: dCreds });
    const dClient = new DingtalkTestClient(dCreds);
    const redisUrl = must(process.env.TEST_REDIS_URL, 'TEST_REDIS_URL (the global setup starts Redis)');
    const prefix = `fault-inbound-${process.pid}`;
    const redis = new Redis(redisUrl);
    const env = {
      ...w.env,
      ...dingtalkEnv(dCreds, dServer.url),
      DATABASE_URL: url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      PORT: port,
    };
    const entries = () => redis.hlen(`${prefix}:ij:entries`);
    const ding = Array.from({ length: SENDERS }, (_, i) => `flood-d-${i}`);
    const wecom = Array.from({ length: SENDERS }, (_, i) => `flood-w-${i}`);
    const dingTexts = (u: string) =>
      dServer.messagesTo(u).map((m) => String((m.param as { content?: unknown }).content ?? m.param.text ?? ''));
    try {
      app = await spawnApp(env);
      // another instance holds each DingTalk sender's turn: their messages take every slot and wait
      const locks = ding.map((u) => `${prefix}:lock:${turnLockKey('dingtalk', u)}`);
      for (const k of locks) await redis.set(k, 'held-by-the-test', 'PX', 120_000);

      const dingBodies: { body: string; headers: Record<string, string> }[] = [];
      const postDing = async (u: string, text: string) => {
        const session = dServer.openSession({ userId: u });
        const body = JSON.stringify(dClient.text(u, text, { session }));
        const headers = dClient.headers();
        dingBodies.push({ body, headers });
        const res = await fetch(`${must(app, 'running').url}/dingtalk/callback`, { method: 'POST', body, headers });
        // the acknowledgement: DingTalk will not send this message again
        expect(res.status).toBe(200);
      };
      for (const u of ding) await postDing(u, '你好');
      for (const u of ding) await postDing(u, '张三');
      expect(await entries()).toBe(2 * SENDERS);

      // WeCom: each sender's second message after their first was journaled (the order they were written in)
      const firsts = wecom.map((u) => ({ u, cb: w.seal(u, '你好') }));
      const seconds = wecom.map((u) => ({ u, cb: w.seal(u, '张三') }));
      const acks = firsts.map(({ u, cb }) => w.post(u, cb));
      await until('every WeCom first message journaled', async () => (await entries()) === 3 * SENDERS);
      acks.push(...seconds.map(({ u, cb }) => w.post(u, cb)));
      // acknowledged with an empty answer (its passive budget passed): WeCom will not send them again
      expect(await Promise.all(acks)).toEqual(Array(2 * SENDERS).fill(''));
      expect(await entries()).toBe(4 * SENDERS);
      // nothing answered yet: every message is acknowledged and waiting
      for (const u of ding) expect(dingTexts(u)).toEqual([]);
      for (const u of wecom) expect(w.texts(u)).toEqual([]);

      await app.kill();
      for (const k of locks) await redis.del(k);
      app = await spawnApp(env);

      const answered = (texts: string[]) => texts.length >= 2;
      await until(
        'every sender answered twice after the restart',
        () => ding.every((u) => answered(dingTexts(u))) && wecom.every((u) => answered(w.texts(u))),
        180_000,
      );
      await until('the journal empty', async () => (await entries()) === 0);

      // the platforms' retries of acknowledged callbacks: duplicates, nothing handled or sent again
      const wecomBefore = w.server.lastSeq();
      const dingBefore = dServer.lastSeq();
      expect(await w.post(wecom[0] ?? '', must(firsts[0], 'a first').cb)).toBe('');
      const retry = must(dingBodies[0], 'a DingTalk body');
      const res = await fetch(`${app.url}/dingtalk/callback`, {
        method: 'POST',
        body: retry.body,
        headers: retry.headers,
      });
      expect(res.status).toBe(200);
      // a message after the retries, answered: the retries were handled (as duplicates) before it
      const probe = await w.say('flood-w-probe', '你好');
      expect(probe).toContain(ASK_NAME);

      for (const u of ding) {
        const texts = dingTexts(u);
        expect(texts, u).toHaveLength(2);
        expect(texts[0], u).toContain(ASK_NAME);
        expect(texts[1], u).toContain(ASK_LAST4);
      }
      for (const u of wecom) {
        const texts = w.texts(u);
        expect(texts, u).toHaveLength(2);
        expect(texts[0], u).toContain(ASK_NAME);
        expect(texts[1], u).toContain(ASK_LAST4);
      }
      expect(w.server.messagesTo(wecom[0] ?? '').filter((m) => m.seq > wecomBefore)).toEqual([]);
      expect(dServer.messagesTo(ding[0] ?? '').filter((m) => m.seq > dingBefore)).toEqual([]);
      expect(await redis.hlen(`${prefix}:ij:dead`)).toBe(0);
      // the restarted process said what it did
      expect(app.logs.some((l) => String(l.msg).includes('messages of a dead process taken over'))).toBe(true);
    } finally {
      redis.disconnect();
      await dServer.close();
    }
  });
});
