/**
 * 待审批 says how many wait in all, then sends the oldest pending claims as cards, at most ten at a time (WeCom takes
 * 30 messages a minute for one member: twenty cards held the officer's next answer for up to a minute); each card
 * sent is recorded with what its send returned, so a decision redraws it. The next 待审批 after deciding sends the next ones.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import { freeDays, submitDayClaim } from '../support/claims.js';
import { platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

describe.each(platforms)('待审批 with more claims waiting than it sends on %s', (platform) => {
  const ctx = useApp(platform);

  it('sends the ten oldest, says how many wait, and the next ten after some are decided', async () => {
    const db = ctx.t.rt.db;
    const period = await currentPeriod(db);
    const member = await db.chatIdentity.findFirstOrThrow({ where: { userId: W, platform } });
    const ids: number[] = [];
    for (const day of await freeDays(db, period, member.memberId, 12)) {
      const r = await submitDayClaim(db, period, member.memberId, day, 'test', ctx.t.app.now());
      if (!r.ok) throw new Error(r.reason);
      ids.push(r.claim.id);
    }
    const { officeId } = await db.claim.findUniqueOrThrow({ where: { id: must(ids[0], 'a claim') } });
    // the office's pending claims: the demo's, and these
    const waiting = await db.claim.findMany({
      where: { status: 'submitted', officeId },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    const total = waiting.length;
    expect(total).toBeGreaterThan(10);

    const cardsOf = (
      msgs: { kind: string; card?: { id: string; title: string; buttons: { key: string; text: string }[] } }[],
    ) => msgs.flatMap((m) => (m.kind === 'card' && m.card ? [m.card] : []));
    const before = ctx.d.inbox(OFFICER).length;
    const answer = await ctx.d.say(OFFICER, '待审批');
    const r = said(answer);
    expect(r).toContain(`待审批 ${total} 笔，下面发来最早 10 笔的审批卡片`);
    // the count first (on WeCom the passive answer), then the cards: the answer does not wait for ten sends
    expect(answer.map((m) => m.kind)).toEqual(['text', ...Array<string>(10).fill('card')]);
    const sent = cardsOf(ctx.d.inbox(OFFICER).slice(before));
    expect(sent.map((c) => Number(/#(\d+)/.exec(c.title)?.[1]))).toEqual(waiting.slice(0, 10).map((w) => w.id));
    // every card that went out is recorded for this officer: a decision redraws it
    const recorded = await db.claimCard.findMany({ where: { cardId: { in: sent.map((c) => c.id) } } });
    expect(recorded).toHaveLength(10);
    for (const c of recorded) expect(JSON.parse(c.recipients)).toEqual([OFFICER]);
    // with what each send returned: WeCom updates a card only with its send's response_code
    if (platform === 'wecom') for (const c of recorded) expect(c.responseCode).toMatch(/\S/);

    // two decided on the cards just sent: the next 待审批 starts after them
    for (const c of sent.slice(0, 2)) await ctx.d.click(OFFICER, c.id, buttonKey(c, '批准'));
    const before2 = ctx.d.inbox(OFFICER).length;
    const r2 = said(await ctx.d.say(OFFICER, '待审批'));
    expect(r2).toContain(`待审批 ${total - 2} 笔`);
    const next = cardsOf(ctx.d.inbox(OFFICER).slice(before2));
    expect(next.map((c) => Number(/#(\d+)/.exec(c.title)?.[1]))).toEqual(
      waiting.slice(2, Math.min(12, total)).map((w) => w.id),
    );
  });
});
