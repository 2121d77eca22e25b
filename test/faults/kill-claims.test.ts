/**
 * kill -9 right after a claim commits, and right after an officer's decision commits (issues #14 and #17).
 *
 * Injected: the app runs as a child process (the production entry on PostgreSQL, BullMQ on Redis, WeCom at a
 * local server that outlives it) with HUZHU_FAULT=exit-after:claim-commit, then exit-after:decision-commit: it
 * SIGKILLs itself the moment the transaction has committed, before the officers' cards or the worker's notice were
 * handed to the queue, and before the HTTP answer. WeCom, having no answer, sends the same callback again
 * (WECOM.md §1) once the app is back.
 *
 * Observed: the retried 确认 is taken for the delivery handled before the crash (no second claim, no answer; the
 * worker's 补助进度 shows it: the dead process's locks lapse within one lease); after each restart the planned
 * messages go out by themselves (the start-up sweep), exactly once: the worker's 已提交 #n (a planned row too, so
 * the unanswered 确认 still tells them the number), one card per officer, one notice to the worker; every copy of the card shows the final state; one claim row and
 * one approval row; the retried callbacks change nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import type { Db } from '../../src/db/client.js';
import { addDays } from '../../src/rules/index.js';
import { currentPeriod } from '../../src/services/periods.js';
import { only } from '../support/only.js';
import {
  type ChildApp,
  cleanUp,
  fillClaim,
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

sayWhySkipped('the kill -9 claim tests are');

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

describe.skipIf(!haveServers)('kill -9 right after a claim and a decision commit (WeCom, PostgreSQL, BullMQ)', () => {
  afterAll(cleanUp, 60_000);

  it('every planned message goes out once after each restart; nothing is decided twice', {
    timeout: 300_000,
  }, async () => {
    const url = await freshPgUrl();
    const db: Db = await prepareDatabase(url);
    const port = String(await freePort());
    let app: ChildApp | null = null;
    const w: WecomSide = await wecomSide(() => must(app, 'the app is running').url);
    const env = {
      ...w.env,
      DATABASE_URL: url,
      REDIS_URL: must(process.env.TEST_REDIS_URL, 'TEST_REDIS_URL (the global setup starts Redis)'),
      REDIS_PREFIX: `fault-kill-${process.pid}`,
      PORT: port,
    };
    const { policy } = await currentPeriod(db);

    // 1. the claim: the app dies as the worker's 确认 commits
    app = await spawnApp({ ...env, HUZHU_FAULT: 'exit-after:claim-commit' });
    await fillClaim(w, W, addDays(policy.startsOn, 3), addDays(policy.startsOn, 6));
    const confirm = w.seal(W, '确认');
    await expect(w.post(W, confirm)).rejects.toThrow();
    expect(await app.exited).toMatchObject({ signal: 'SIGKILL' });
    const claims = await db.claim.findMany({ where: { member: { identities: { some: { userId: W } } } } });
    const claim = must(claims.sort((a, b) => b.id - a.id)[0], 'the claim committed before the kill');
    expect(claim.status).toBe('submitted');
    const cardRows = await db.delivery.findMany({ where: { key: { startsWith: `claim:${claim.id}:` } } });
    expect(cardRows.length).toBeGreaterThan(0);
    expect(cardRows.every((r) => r.status === 'queued')).toBe(true);
    // the worker's 已提交 is one of them: planned with the claim, not yet told
    expect(cardRows.filter((r) => r.key.includes(`:submitted:wecom:${W}`))).toHaveLength(1);
    const confirmed = () => w.texts(W).filter((t) => t.includes(`#${claim.id} 已提交`));
    expect(confirmed()).toEqual([]);
    // the photo, kept as it arrived, was tied to the claim in the claim's own transaction
    expect(await db.claimDocument.count({ where: { claimId: claim.id } })).toBe(1);
    const claimsBefore = await db.claim.count();

    // 2. restarted (armed for the decision): the officers' cards go out by themselves, once
    app = await spawnApp({ ...env, HUZHU_FAULT: 'exit-after:decision-commit' });
    const cardsFor = (who: string) => w.cards(who).filter((c) => c.title.includes(`#${claim.id}`));
    await until('the officer’s card after the restart', () => cardsFor(OFFICER).length > 0);
    // the worker is told the claim number by the sweep, though nobody answered their 确认
    await until('the worker’s 已提交 after the restart', () => confirmed().length > 0);
    // WeCom's retry of the unanswered 确认 is taken for the delivery already handled: no second claim, no answer
    expect(await w.post(W, confirm)).toBe('');
    expect(await db.claim.count()).toBe(claimsBefore);
    // the worker, asking, finds the claim (their turn's lock, held by the dead process, lapses by itself)
    let status = '';
    await until('the worker’s status answer', async () => {
      status = await w.say(W, '补助进度');
      return status.includes(`#${claim.id}`);
    });
    expect(await db.claim.count()).toBe(claimsBefore);
    const rows = await db.delivery.findMany({ where: { key: { startsWith: `claim:${claim.id}:` } } });
    await until('every planned card sent', async () =>
      (await db.delivery.findMany({ where: { key: { startsWith: `claim:${claim.id}:` } } })).every(
        (r) => r.status === 'sent',
      ),
    );
    const officers = [
      ...new Set(
        rows
          .filter((r) => r.key.includes(':cards:'))
          .flatMap((r) => (JSON.parse(r.recipient) as { userIds?: string[] }).userIds ?? []),
      ),
    ];
    expect(officers).toContain(OFFICER);
    for (const o of officers) expect(cardsFor(o)).toHaveLength(1);
    expect(confirmed()).toHaveLength(1);

    // 3. the officer approves: the app dies as the decision commits, before the click is answered
    const card = only(cardsFor(OFFICER), 'card for the officer');
    expect(card.buttons.map((b) => b.key)).toContain(`approve:${claim.id}`);
    const before = w.texts(W).length;
    const click = w.sealClick(OFFICER, card.id, `approve:${claim.id}`);
    await expect(w.post(OFFICER, click)).rejects.toThrow();
    expect(await app.exited).toMatchObject({ signal: 'SIGKILL' });
    expect((await db.claim.findUniqueOrThrow({ where: { id: claim.id } })).status).toMatch(/^approved/);
    const notices = () =>
      w
        .texts(W)
        .slice(before)
        .filter((t) => t.includes(`#${claim.id}`));
    expect(notices()).toEqual([]);

    // 4. restarted without a fault: the worker is told once, every card copy shows the decision
    app = await spawnApp(env);
    await until('the worker’s notice after the restart', () => notices().length > 0);
    await until('every planned message of the claim sent', async () =>
      (await db.delivery.findMany({ where: { key: { startsWith: `claim:${claim.id}:` } } })).every(
        (r) => r.status === 'sent',
      ),
    );
    // WeCom's retry of the unanswered click decides nothing again
    await w.post(OFFICER, click);
    await until('the officer answered after the restart', async () => (await w.say(OFFICER, '待审批')) !== '');
    expect(notices()).toHaveLength(1);
    expect(notices()[0]).toMatch(/已批准|复核/);
    for (const o of officers)
      for (const c of cardsFor(o)) {
        expect(c.buttons).toEqual([]);
        expect(c.finalText ?? '').toMatch(/批准|同意/);
      }
    expect(await db.approval.count({ where: { claimId: claim.id } })).toBe(1);
    // told once in all: neither restart's sweep nor the retries sent the 已提交 again
    expect(confirmed()).toHaveLength(1);
    expect(
      await db.delivery.count({ where: { key: { startsWith: `claim:${claim.id}:` }, status: { not: 'sent' } } }),
    ).toBe(0);
    await app.kill();
  });
});
