/**
 * 待审批 sends the officer a card per pending claim and records them all in one write (issue #17: one commit, not
 * one fsync per card, in the officer's turn). Through the driver on each platform: every pending claim's card
 * reaches the officer, each is recorded for them (the row the card's click and its redraws are found by), and a
 * click on one of them decides its claim.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import { freeDays, submitDayClaim } from '../support/claims.js';
import { platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

describe.each(platforms)('待审批 on %s', (platform) => {
  const ctx = useApp(platform);

  it('sends a card per pending claim, records each for the officer, and a click on one decides it', async () => {
    const db = ctx.t.rt.db;
    const period = await currentPeriod(db);
    const member = await db.chatIdentity.findFirstOrThrow({ where: { userId: W, platform } });
    const seeded: number[] = [];
    for (const day of await freeDays(db, period, member.memberId, 3)) {
      const r = await submitDayClaim(db, period, member.memberId, day, 'test', ctx.t.app.now());
      if (!r.ok) throw new Error(r.reason);
      seeded.push(r.claim.id);
    }
    const before = ctx.d.inbox(OFFICER).length;
    const lastRow = (await db.claimCard.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0;
    const answer = said(await ctx.d.say(OFFICER, '待审批'));
    const count = Number(must(/待审批 (\d+) 笔/.exec(answer)?.[1], 'the count of pending claims'));
    expect(count).toBeGreaterThanOrEqual(seeded.length);
    const cards = ctx.d
      .inbox(OFFICER)
      .slice(before)
      .flatMap((m) => (m.kind === 'card' && m.card ? [m.card] : []));
    expect(cards).toHaveLength(count);
    for (const id of seeded) expect(cards.some((c) => c.title.includes(`#${id}`))).toBe(true);
    // one row per card sent, for this officer alone
    const rows = await db.claimCard.findMany({ where: { id: { gt: lastRow } } });
    expect(rows.map((r) => r.cardId).sort()).toEqual(cards.map((c) => c.id).sort());
    for (const r of rows) expect(JSON.parse(r.recipients)).toEqual([OFFICER]);

    const id = must(seeded[0], 'a seeded claim');
    const card = must(
      cards.find((c) => c.title.includes(`#${id}`)),
      'the card of the first seeded claim',
    );
    expect(said(await ctx.d.click(OFFICER, card.id, buttonKey(card)))).toContain(`#${id}`);
    expect((await db.claim.findUniqueOrThrow({ where: { id } })).status).not.toBe('submitted');
  });
});
