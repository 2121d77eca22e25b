/**
 * Issue 14: 补材料 continues the same claim. The worker is asked for exactly what the officer wrote, adds photos
 * and corrects fields of claim #n in chat, and the claim returns to the office's queue with a fresh card showing
 * what changed. Signed callbacks and card clicks, on every platform.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { addDays } from '../../src/rules/index.js';
import { currentPeriod } from '../../src/services/periods.js';
import type { PlatformDriver } from '../support/driver.js';
import { fileClaim, PHOTO, platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';
const CENTRE = 'demo-centre-1';

const lastCard = (d: PlatformDriver, userId: string, claimId: number) =>
  d
    .inbox(userId)
    .filter((m) => m.card?.title.includes(`#${claimId}`))
    .at(-1);

describe.each(platforms)('补材料 on %s', (platform) => {
  const ctx = useApp(platform);
  const db = () => ctx.t.rt.db;

  it('the worker supplements claim #n in chat and the office gets a fresh card with the changes', async () => {
    const { policy } = await currentPeriod(db());
    const d = ctx.d;
    const { id } = await fileClaim(d, W, {
      admitted: addDays(policy.startsOn, 4),
      discharged: addDays(policy.startsOn, 9),
      total: '3万',
      basic: '1万',
      selfPaid: '8000',
    });
    const first = must(lastCard(d, OFFICER, id)?.card, 'the office’s card');
    expect(said(await d.click(OFFICER, first.id, `needs_info:${id}`))).toContain('原因');
    const asked = '请补充出院小结照片，并核对个人自付金额';
    await d.say(OFFICER, asked);
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('needs_info');
    const notice = said(d.inbox(W));
    expect(notice).toContain(asked);
    expect(notice).toContain(`补充 #${id}`);
    expect(notice).not.toContain('重新提交');

    // another member's claim, or one not waiting, is not theirs to supplement
    expect(said(await d.say('demo-officer-1', `补充 #${id}`))).toContain('没有找到');

    const intro = said(await d.say(W, `补充 #${id}`));
    expect(intro).toContain(asked);
    await d.sendImage(W, PHOTO);
    expect(said(await d.say(W, '自付 9000'))).toContain('个人自付 9,000 元');
    expect(said(await d.say(W, '总费用 32000'))).toContain('住院总费用 32,000 元');
    const done = said(await d.say(W, '提交'));
    // 4 000×50 % + 4 000×60 % = 4 400 元 on the corrected self-paid 9 000
    expect(done).toContain(`#${id} 已补充并重新提交`);
    expect(done).toContain('预计补助 4,400 元');

    const c = await db().claim.findUniqueOrThrow({ where: { id }, include: { attachments: true } });
    expect(c.status).toBe('submitted');
    expect(c.selfPaidFen).toBe(900_000);
    expect(c.totalFen).toBe(3_200_000);
    expect(c.subsidyFen).toBe(440_000);
    expect(c.attachments).toHaveLength(2);
    // the supplement's photo was kept as it arrived, and tied to the claim with it
    expect(await db().claimDocument.count({ where: { claimId: id } })).toBe(2);
    expect(await db().claim.count({ where: { memberId: c.memberId } })).toBe(2); // the demo's paid claim and this one

    const fresh = must(lastCard(d, OFFICER, id), 'a fresh card for the office');
    const freshCard = must(fresh.card, 'the card message carries its card');
    expect(freshCard.id).not.toBe(first.id);
    expect(freshCard.buttons.map((b) => b.text)).toEqual(['批准', '驳回', '补材料']);
    // the supplement's photo opens from the fresh card after the platform forgot it
    d.expireMedia();
    const added = await fetch(must(freshCard.links?.[1], 'the card links the added photo').url);
    expect(added.status).toBe(200);
    expect(Buffer.from(await added.arrayBuffer()).equals(PHOTO)).toBe(true);
    expect(fresh.text).toContain('补充：新增照片1张；住院总费用30,000→32,000；个人自付8,000→9,000');
    expect(fresh.text).toContain('4,400 元');
    expect(fresh.text).toMatch(new RegExp(`退回：办事处 吴文静 .+ 要求补材料：${asked}`));
    expect(d.card(OFFICER, first.id)?.finalText).toMatch(/^已要求补材料 · 吴文静/);

    await d.click(OFFICER, freshCard.id, `approve:${id}`);
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved');
    // done: nothing left to supplement
    expect(said(await d.say(W, `补充 #${id}`))).toContain('目前不需要补充材料');
  });
  it("the centre's 补材料 sends the supplemented claim back to the office (level 1), not straight to the centre", async () => {
    const { policy } = await currentPeriod(db());
    const d = ctx.d;
    // above the policy's second-approval threshold: two levels
    const { id } = await fileClaim(d, W, {
      admitted: addDays(policy.startsOn, 12),
      discharged: addDays(policy.startsOn, 18),
      total: '6万',
      basic: '1万',
      selfPaid: '5万',
    });
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).levelsRequired).toBe(2);
    const l1 = must(lastCard(d, OFFICER, id)?.card, 'the office’s card');
    await d.click(OFFICER, l1.id, `approve:${id}`);
    const l2 = must(lastCard(d, CENTRE, id)?.card, 'the centre’s card');
    expect(said(await d.click(CENTRE, l2.id, `needs_info:${id}`))).toContain('原因');
    const asked = '请补充费用明细清单';
    await d.say(CENTRE, asked);
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('needs_info');
    expect(d.card(CENTRE, l2.id)?.finalText).toMatch(/^中心要求补材料 · 黄志强/);
    expect(d.card(OFFICER, l1.id)?.finalText).toMatch(/^中心要求补材料 · 黄志强/);
    expect(said(d.inbox(W))).toContain(asked);

    const centreCards = d.inbox(CENTRE).filter((m) => m.card?.title.includes(`#${id}`)).length;
    expect(said(await d.say(W, `补充 #${id}`))).toContain(asked);
    await d.sendImage(W, PHOTO);
    expect(said(await d.say(W, '提交'))).toContain(`#${id} 已补充并重新提交`);

    // back in the office's queue, with a fresh level-1 card that says who sent it back and why
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('submitted');
    const fresh = must(lastCard(d, OFFICER, id), 'a fresh card for the office');
    const freshCard = must(fresh.card, 'the card message carries its card');
    expect(freshCard.id).not.toBe(l1.id);
    expect(freshCard.buttons.map((b) => b.text)).toEqual(['批准', '驳回', '补材料']);
    // the supplement's photo opens from the fresh card after the platform forgot it
    d.expireMedia();
    const added = await fetch(must(freshCard.links?.[1], 'the card links the added photo').url);
    expect(added.status).toBe(200);
    expect(Buffer.from(await added.arrayBuffer()).equals(PHOTO)).toBe(true);
    expect(fresh.text).toContain('办事处审批');
    expect(fresh.text).toContain('新增照片1张');
    expect(fresh.text).toContain(`退回：中心 黄志强`);
    expect(fresh.text).toContain(asked);
    // the centre hears nothing until the office has decided again, and its 待审批 does not list the claim
    expect(d.inbox(CENTRE).filter((m) => m.card?.title.includes(`#${id}`))).toHaveLength(centreCards);
    expect(said(await d.say(CENTRE, '待审批'))).not.toContain(`#${id}`);
    expect(d.inbox(CENTRE).filter((m) => m.card?.title.includes(`#${id}`))).toHaveLength(centreCards);
    // the centre's card of the first round cannot decide the claim before the office has
    expect(said(await d.click(CENTRE, l2.id, `approve:${id}`))).toContain('无权');
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('submitted');

    // the office approves again: the centre gets a fresh card; its first-round card stays closed
    await d.click(OFFICER, freshCard.id, `approve:${id}`);
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved_l1');
    const l2again = must(lastCard(d, CENTRE, id), 'a fresh card for the centre');
    const l2againCard = must(l2again.card, 'the card message carries its card');
    expect(l2againCard.id).not.toBe(l2.id);
    expect(l2again.text).toMatch(/初审：吴文静 .+ 同意/);
    expect(d.card(CENTRE, l2.id)?.finalText).toMatch(/^中心要求补材料 · 黄志强/);
    await d.click(CENTRE, l2againCard.id, `approve:${id}`);
    expect((await db().claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved');
    expect(d.card(CENTRE, l2againCard.id)?.finalText).toMatch(/^中心已批准 · 黄志强/);
    expect(d.card(OFFICER, freshCard.id)?.finalText).toMatch(/^中心已批准 · 黄志强/);
  });
});
