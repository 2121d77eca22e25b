/**
 * PostgreSQL and Redis going away under a running app (issue #17), real processes throughout: the app is a child
 * process (the production entry) on a PostgreSQL and a Redis of this test's own, WeCom at a local server.
 *
 * Injected, each in the middle of a worker's claim dialog:
 * - PostgreSQL restarted (`pg_ctl stop -m fast`, which ends every session, then `pg_ctl start`);
 * - Redis stopped (SIGTERM: it writes its append-only file, as `systemctl stop` does) and started again.
 *
 * Observed: while a server is away every message gets a polite answer at once (the busy text, or the bot's own
 * error text), never silence or an HTTP error; once it is back the app resumes by itself (no restart): the
 * dialog continues at the step it had reached, the claim is submitted once, the officers' cards go out through
 * the queue; what was acknowledged before (an earlier claim) is still there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { Templates } from '../../src/core/templates.js';
import type { Db } from '../../src/db/client.js';
import { addDays } from '../../src/rules/index.js';
import { currentPeriod } from '../../src/services/periods.js';
import {
  type ChildApp,
  cleanUp,
  freePort,
  haveServers,
  type OwnPostgres,
  type OwnRedis,
  ownPostgres,
  ownRedis,
  PHOTO,
  prepareDatabase,
  sayWhySkipped,
  spawnApp,
  until,
  type WecomSide,
  wecomSide,
} from './support.js';

sayWhySkipped('the PostgreSQL and Redis outage tests are');

const templates = new Templates();
const POLITE = [templates.render('system_busy'), templates.render('internal_error')];
const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

describe.skipIf(!haveServers)('PostgreSQL and Redis restarted under the running app (WeCom)', () => {
  let pg: OwnPostgres;
  let redis: OwnRedis;
  let db: Db;
  let app: ChildApp;
  let w: WecomSide;
  let startsOn: string;

  beforeAll(async () => {
    pg = await ownPostgres();
    redis = await ownRedis();
    db = await prepareDatabase(pg.url);
    startsOn = (await currentPeriod(db)).policy.startsOn;
    w = await wecomSide(() => app.url);
    app = await spawnApp({
      ...w.env,
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      PORT: String(await freePort()),
    });
  }, 180_000);
  afterAll(cleanUp, 60_000);

  /** the rest of the form after the step the outage interrupted, then 确认: the claim's number */
  const finish = async (answers: string[]) => {
    for (const a of answers) await w.say(W, a);
    await w.sendPhoto(W, PHOTO);
    expect(await w.say(W, '完成')).toContain('确认');
    const m = /#(\d+) 已提交/.exec(await w.say(W, '确认'));
    return Number(must(m?.[1], 'the claim was submitted: #n 已提交'));
  };
  const officerCardOf = (id: number) => w.cards(OFFICER).filter((c) => c.title.includes(`#${id}`));

  it('PostgreSQL restarted mid-dialog: polite answers meanwhile, then the dialog goes on by itself', {
    timeout: 300_000,
  }, async () => {
    const claimsBefore = await db.claim.findMany({ select: { id: true, status: true } });
    await w.ask(W, '申请补助', '第 1 步');
    await w.ask(W, '海南省人民医院', '第 2 步');
    await w.ask(W, addDays(startsOn, 3), '第 3 步');

    pg.stop();
    const during = await w.say(W, addDays(startsOn, 6));
    expect(POLITE).toContain(during);

    pg.start();
    // the same answer again, as the user is asked to: the app reconnects by itself, the dialog is where it was
    let next = '';
    await until('the dialog to go on after PostgreSQL is back', async () => {
      next = await w.say(W, addDays(startsOn, 6));
      return !POLITE.includes(next);
    });
    expect(next).toContain('第 4 步');
    const id = await finish(['2万', '5000', '8000', '否']);
    await until('the officer’s card for the claim', () => officerCardOf(id).length > 0);
    // nothing acknowledged before the outage is lost or changed
    const after = await db.claim.findMany({ select: { id: true, status: true } });
    expect(after.filter((c) => c.id !== id)).toEqual(claimsBefore);
    expect(after.filter((c) => c.id === id)).toHaveLength(1);
  });

  it('Redis stopped mid-dialog and started again: the busy text meanwhile, then the dialog goes on, the queue too', {
    timeout: 300_000,
  }, async () => {
    const claimsBefore = await db.claim.count();
    await w.ask(W, '申请补助', '第 1 步');
    await w.ask(W, '海南省人民医院', '第 2 步');
    await w.ask(W, addDays(startsOn, 20), '第 3 步');

    await redis.stop();
    const cb = w.seal(W, addDays(startsOn, 24));
    expect(await w.post(W, cb)).toBe(templates.render('system_busy'));

    await redis.start();
    // WeCom's retry of the same message, then the user's own resend: the dialog continues where it was
    let next = '';
    await until('the dialog to go on after Redis is back', async () => {
      next = await w.post(W, cb);
      return next !== templates.render('system_busy');
    });
    expect(next).toContain('第 4 步');
    const id = await finish(['3万', '6000', '9000', '否']);
    expect(await db.claim.count()).toBe(claimsBefore + 1);
    // the officers' cards go through BullMQ: the worker reconnected by itself
    await until('the officer’s card for the claim', () => officerCardOf(id).length > 0);
    expect(officerCardOf(id)).toHaveLength(1);
    expect(app.logs.some((l) => l.msg === 'shared store unavailable: message answered busy, not handled')).toBe(true);
  });
});
