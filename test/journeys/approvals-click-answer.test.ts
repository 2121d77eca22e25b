/**
 * Issue 14: the officer who clicks sees their card change with the answer to the click (WeCom: the passive
 * update_template_card; DingTalk: the card callback's answer carrying the card's data), not after the job queue;
 * and sees it exactly once: the redraw row of the decision leaves the clicker's copy out (WeCom) or the clicked
 * card entirely (DingTalk, whose callback answer updated every copy), while every other copy is redrawn once.
 * Real signed card clicks through the app's callbacks; checked in the database and at the local platform server.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import type { LocalDingtalkChannel } from '../../src/local/dingtalk/channel.js';
import type { LocalWecomChannel } from '../../src/local/wecom/channel.js';
import { addDays } from '../../src/rules/index.js';
import { currentPeriod } from '../../src/services/periods.js';
import { buttonKey } from '../support/cards.js';
import { fileClaim, platforms, useApp } from './harness.js';

const W = 'demo-worker-1';
const CLICKER = 'demo-officer-1';
const OTHER = 'officer-2';

/** every change of a card that reached each officer's client, as the local platform server recorded it */
function changesOf(ctx: ReturnType<typeof useApp>, platform: string, cardId: string) {
  if (platform === 'wecom') {
    const server = must((ctx.t.app.channels.get('wecom') as LocalWecomChannel).localServer, 'local WeCom');
    const rec = must(server.card(cardId), 'the card was sent');
    const to = (u: string) => rec.updates.filter((x) => x.to === 'all' || x.to.includes(u)).map((x) => x.via);
    return { clicker: to(CLICKER), other: to(OTHER) };
  }
  const server = must((ctx.t.app.channels.get('dingtalk') as LocalDingtalkChannel).localServer, 'local DingTalk');
  // one card instance for every officer: its data is shared, so each change reaches every copy
  const via = must(server.card(cardId), 'the card was sent').updates.map((x) => x.via);
  return { clicker: via, other: via };
}

describe.each(platforms)('a click is answered with the updated card, once, on %s', (platform) => {
  const ctx = useApp(platform);

  it('the clicker’s card changes in the click’s answer; every other copy through the queue, once each', async () => {
    const db = ctx.t.rt.db;
    const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
    const unit = await db.org.findFirstOrThrow({ where: { code: 'HN-HK-DEMO' } });
    const m = await db.member.create({
      data: { name: '郑晓东', idHash: `test-${OTHER}`, idLast4: '0010', status: 'in_service', unitId: unit.id },
    });
    await db.roleGrant.create({ data: { memberId: m.id, role: 'officer', orgId: office.id } });
    await db.chatIdentity.create({ data: { platform, userId: OTHER, memberId: m.id } });
    const { policy } = await currentPeriod(db);
    const { id } = await fileClaim(ctx.d, W, {
      admitted: addDays(policy.startsOn, 3),
      discharged: addDays(policy.startsOn, 6),
      total: '2万',
      basic: '5000',
      selfPaid: '8000',
    });
    const card = must(
      ctx.d
        .inbox(CLICKER)
        .filter((x) => x.card?.title.includes(`#${id}`))
        .at(-1)?.card,
      'the claim’s card',
    );
    expect(ctx.d.card(OTHER, card.id)?.buttons.length).toBeGreaterThan(0);

    const replies = await ctx.d.click(CLICKER, card.id, buttonKey(card, '批准'));
    // the click's answer itself is the card in its final state (what the officer's client shows first)
    // (WeCom: the passive reply is the card; DingTalk: the callback's answer, applied by the local server below)
    if (platform === 'wecom') {
      const answered = must(replies.find((r) => r.kind === 'card')?.card, 'the passive card');
      expect(answered.id).toBe(card.id);
      expect(answered.finalText).toMatch(/已批准 · 吴文静/);
    }
    expect(replies.map((r) => r.text).join('\n')).toContain(`已批准补助申请 #${id}`);

    expect((await db.claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved');
    expect(await db.approval.count({ where: { claimId: id } })).toBe(1);
    const rows = await db.delivery.findMany({ where: { key: { startsWith: `claim:${id}:` } } });
    expect(rows.filter((r) => r.key.includes(':refresh:')).every((r) => r.status === 'sent')).toBe(true);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);

    // each officer's client got the change exactly once: the clicker's in the answer, the other's after
    const changes = changesOf(ctx, platform, card.id);
    const inAnswer = platform === 'wecom' ? 'passive' : 'callback';
    expect(changes.clicker).toEqual([inAnswer]);
    expect(changes.other).toEqual([platform === 'wecom' ? 'api' : inAnswer]);
    for (const who of [CLICKER, OTHER]) {
      const now = must(ctx.d.card(who, card.id), `${who}'s copy`);
      expect(now.buttons).toEqual([]);
      expect(now.finalText).toMatch(/已批准 · 吴文静/);
    }
  });
});
