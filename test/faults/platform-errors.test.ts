/**
 * The platform's API failing under the running app (issue #17): the app is a child process (the production entry,
 * PostgreSQL, BullMQ on Redis), WeCom a local server of this test with fault switches (src/local/wecom).
 *
 * Injected, during the daily ranking push (started from the CLI onto the app's queue):
 * - message/send: one HTTP 502, then one request left unanswered past the client's 10 s timeout;
 * - appchat/send: one 45009 (api freq out of limit).
 * Observed: every message of the push is sent exactly once (the failed attempts are retried with backoff, the
 * rate limit waited out without spending an attempt); the failed requests are in the server's log.
 *
 * Injected, for an officer's announcement: appchat/send answers HTTP 500 to everything.
 * Observed: the send is tried the job's 5 times with backoff, then lands on the dead-letter list (`huzhu jobs
 * dead`); nothing reached the group; once the platform is back `huzhu jobs replay <id>` sends it, once.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { buttonKey } from '../support/cards.js';
import {
  type ChildApp,
  cleanUp,
  freePort,
  freshPgUrl,
  HASH_KEY,
  haveServers,
  prepareDatabase,
  sayWhySkipped,
  spawnApp,
  until,
  type WecomSide,
  wecomSide,
} from './support.js';

sayWhySkipped('the platform error tests are');

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const GROUP = 'hnunionall';
const OFFICER = 'demo-officer-1';

describe.skipIf(!haveServers)('the WeCom API answering 5xx, timeouts and 45009 (the app as a child process)', () => {
  afterAll(cleanUp, 60_000);

  it('retried with backoff and sent once; dead-lettered after the last attempt, replayed once', {
    timeout: 400_000,
  }, async () => {
    const url = await freshPgUrl();
    const db = await prepareDatabase(url);
    let app: ChildApp | null = null;
    const w: WecomSide = await wecomSide(() => must(app, 'the app is running').url);
    w.server.putChat(GROUP, ['demo-rep-1', OFFICER], '海南省总工会');
    const env = {
      ...w.env,
      DATABASE_URL: url,
      REDIS_URL: must(process.env.TEST_REDIS_URL, 'TEST_REDIS_URL (the global setup starts Redis)'),
      REDIS_PREFIX: `fault-api-${process.pid}`,
      PORT: String(await freePort()),
    };
    const cli = async (...args: string[]) =>
      (
        await run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
          cwd: root,
          env: { ...process.env, ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ID_HASH_KEY: HASH_KEY },
        })
      ).stdout;
    app = await spawnApp(env);

    // 1. the push through a failing platform
    w.server.failNext(1, { httpStatus: 502 }, '/cgi-bin/message/send');
    w.server.failNext(1, { hangMs: 11_000 }, '/cgi-bin/message/send');
    w.server.failNext(1, { errcode: 45009 }, '/cgi-bin/appchat/send');
    await cli('jobs', 'run', 'ranking.daily');
    // the push's rows: the rep's line and chart, the group's tables and charts (nothing else is planned yet)
    const rows = () => db.delivery.findMany();
    await until('the push planned', () =>
      must(app, 'the app is running').logs.some((l) => l.msg === 'ranking push planned'),
    );
    await until(
      'every message of the push sent',
      async () => (await rows()).every((r) => r.status === 'sent'),
      180_000,
    );
    const final = await rows();
    const forRep = final.filter((r) => r.recipient.includes('"demo-rep-1"'));
    const forGroup = final.filter((r) => r.recipient.includes(`"${GROUP}"`));
    expect(w.server.messagesTo('demo-rep-1')).toHaveLength(forRep.length);
    expect(w.server.messagesToChat(GROUP)).toHaveLength(forGroup.length);
    // the injected answers were given (and retried past)
    const statuses = (p: string) => w.server.requests(p).map((r) => r.status);
    expect(statuses('/cgi-bin/message/send')).toEqual(expect.arrayContaining([502, 504, 200]));
    expect(
      w.server.requests('/cgi-bin/appchat/send').some((r) => (r.answer as { errcode?: number })?.errcode === 45009),
    ).toBe(true);
    expect(app.logs.some((l) => l.msg === 'wecom api retry')).toBe(true);
    expect(app.logs.some((l) => l.msg === 'wecom api rate-limited')).toBe(true);

    // 2. an announcement while the group API is down for good: dead-lettered after the last attempt
    w.server.failNext(10_000, { httpStatus: 500 }, '/cgi-bin/appchat/send');
    const groupBefore = w.server.messagesToChat(GROUP).length;
    const before = w.server.lastSeq();
    await w.post(OFFICER, w.seal(OFFICER, '发布通知 本周五前请各单位报送参互名册'));
    let card: ReturnType<WecomSide['cards']>[number] | undefined;
    await until('the confirmation card', () => {
      card = w.cards(OFFICER).find((c) => c.buttons.some((b) => b.text === '发布'));
      return Boolean(card) && w.server.lastSeq() > before;
    });
    const shown = must(card, 'the confirmation card');
    await w.click(OFFICER, shown.id, buttonKey(shown, '发布'));
    const announcement = () => db.delivery.findMany({ where: { key: { startsWith: 'adhoc:' } } });
    await until('the announcement planned', async () => (await announcement()).length > 0);
    await until(
      'the announcement dead-lettered',
      async () => (await announcement()).every((r) => r.status === 'dead'),
      240_000,
    );
    const dead = await announcement();
    expect(dead.every((r) => r.attempts === 5)).toBe(true);
    expect(w.server.messagesToChat(GROUP)).toHaveLength(groupBefore);
    const listed = await cli('jobs', 'dead');
    for (const r of dead) expect(listed).toContain(`#${r.id} `);

    // 3. the platform is back: an admin replays each; each arrives once
    w.server.clearFaults();
    for (const r of dead) await cli('jobs', 'replay', String(r.id));
    await until(
      'the replayed announcement sent',
      async () => (await announcement()).every((r) => r.status === 'sent'),
      120_000,
    );
    const texts = w.server
      .messagesToChat(GROUP)
      .slice(groupBefore)
      .map((m) => JSON.stringify(m.body));
    expect(texts).toHaveLength(dead.length);
    expect(texts.join('')).toContain('本周五前请各单位报送参互名册');
    await app.kill();
  });
});
