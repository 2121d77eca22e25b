/**
 * kill -9 during a push (issue #17): the daily ranking push (the rep's line and chart, the group's tables) is
 * started from the CLI onto the app's BullMQ queue, as an admin does (`huzhu jobs run ranking.daily`).
 *
 * Injected: the app (a child process: the production entry, PostgreSQL, BullMQ on Redis, WeCom at a local server
 * that outlives it) runs with HUZHU_FAULT=exit-after:delivery-sent:1: it SIGKILLs itself right after the first
 * message of the push went out and was marked sent, with the others queued or in flight. Then it is started again.
 *
 * Observed: the push completes by itself after the restart; every planned message ends sent, or — when it was in
 * the platform's hands at the moment of the kill, the one window WeCom's API cannot close — on the dead-letter list
 * as `unknown` (never sent twice automatically: src/jobs/deliveries.ts); no recipient receives anything twice;
 * running the push again plans nothing new.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
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
  type WecomSide,
  wecomSide,
} from './support.js';

sayWhySkipped('the kill -9 push test is');

const root = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const GROUP = 'hnunionall';

describe.skipIf(!haveServers)('kill -9 during the ranking push (WeCom, PostgreSQL, BullMQ)', () => {
  afterAll(cleanUp, 60_000);

  it('the push completes after the restart and nobody receives a message twice', { timeout: 300_000 }, async () => {
    const url = await freshPgUrl();
    const db = await prepareDatabase(url);
    let app: ChildApp | null = null;
    const w: WecomSide = await wecomSide(() => must(app, 'the app is running').url);
    // the group chat exists on the platform, as the union's admin created it
    w.server.putChat(GROUP, ['demo-rep-1', 'demo-officer-1'], '海南省总工会');
    const env = {
      ...w.env,
      DATABASE_URL: url,
      REDIS_URL: must(process.env.TEST_REDIS_URL, 'TEST_REDIS_URL (the global setup starts Redis)'),
      REDIS_PREFIX: `fault-push-${process.pid}`,
      PORT: String(await freePort()),
    };
    const pushNow = () =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'jobs', 'run', 'ranking.daily'], {
        cwd: root,
        env: {
          ...process.env,
          ...env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          ID_HASH_KEY: 'fault-test-hash-key-0123456789',
        },
      });

    app = await spawnApp({ ...env, HUZHU_FAULT: 'exit-after:delivery-sent:1' });
    await pushNow();
    expect(await app.exited).toMatchObject({ signal: 'SIGKILL' });
    const rows = () => db.delivery.findMany({ where: { key: { startsWith: 'ranking' } }, orderBy: { id: 'asc' } });
    const atKill = await rows();
    // the first marked sent, perhaps another finishing in the same instant (8 sends run at once); most are left
    const sentAtKill = atKill.filter((r) => r.status === 'sent').length;
    expect(sentAtKill).toBeGreaterThanOrEqual(1);
    expect(sentAtKill).toBeLessThan(atKill.length);
    const received = () => w.server.messagesTo('demo-rep-1').length + w.server.messagesToChat(GROUP).length;
    const receivedAtKill = received();

    app = await spawnApp(env);
    // a job the dead process held is taken back by BullMQ's stall check (about 30 s), so this may take a while
    await until(
      'every message of the push in a final state',
      async () => (await rows()).every((r) => r.status === 'sent' || r.status === 'unknown'),
      240_000,
    );
    const final = await rows();
    const sent = final.filter((r) => r.status === 'sent');
    const unknown = final.filter((r) => r.status === 'unknown');
    // the rows queued at the kill went out after the restart
    expect(sent.length).toBeGreaterThan(sentAtKill);
    expect(received()).toBeGreaterThan(receivedAtKill);
    // per recipient: what it received is what was marked sent, plus at most the unknown ones (never more)
    for (const who of ['demo-rep-1', GROUP]) {
      const to = (r: (typeof final)[number]) => r.recipient.includes(`"${who}"`);
      const got = who === GROUP ? w.server.messagesToChat(GROUP).length : w.server.messagesTo(who).length;
      expect(got).toBeGreaterThanOrEqual(sent.filter(to).length);
      expect(got).toBeLessThanOrEqual(sent.filter(to).length + unknown.filter(to).length);
    }
    for (const r of final) expect(r.attempts).toBeLessThanOrEqual(1);

    // the same push again: every message is already planned, nothing new goes out
    const before = received();
    await pushNow();
    await until('the second push’s job ran', async () =>
      must(app, 'the app is running').logs.some((l) => l.msg === 'ranking push planned' && l.enqueued === 0),
    );
    expect((await rows()).length).toBe(final.length);
    expect(received()).toBe(before);
    await app.kill();
  });
});
