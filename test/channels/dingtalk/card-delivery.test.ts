/**
 * An approval card DingTalk did not put in every officer's chat: createAndDeliver answers 200 with `success: false`
 * for a space in its deliverResults (card_1_0 CreateAndDeliverResponseBody). That officer gets the card after the
 * queue's retry, and only they; the officer who got it first has it recorded, so the decision redraws their copy.
 * Through the whole app: the worker's claim by signed callbacks, the cards by the job queue, the click by the local
 * DingTalk server's signed card callback.
 */
import { describe, expect, it } from 'vitest';
import type { DingtalkChannel } from '../../../src/channels/dingtalk/index.js';
import type { Card } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { RecipientsUndelivered } from '../../../src/core/undelivered.js';
import type { LocalDingtalkServer } from '../../../src/local/dingtalk/local-server.js';
import { addDays } from '../../../src/rules/index.js';
import { currentPeriod } from '../../../src/services/periods.js';
import { fileClaim, said } from '../../journeys/harness.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { driverFor } from '../../support/drivers/index.js';
import { localServerOf } from '../../support/local.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';
const OTHER = 'officer-2';

const serverOf = (t: TestApp) =>
  localServerOf(must(t.app.channels.get('dingtalk'), 'the DingTalk channel') as { localServer?: LocalDingtalkServer });

async function secondOfficer(t: TestApp) {
  const db = t.rt.db;
  const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
  const unit = await db.org.findFirstOrThrow({ where: { code: 'HN-HK-DEMO' } });
  const m = await db.member.create({
    data: { name: '郑晓东', idHash: `test-${OTHER}`, idLast4: '0010', status: 'in_service', unitId: unit.id },
  });
  await db.roleGrant.create({ data: { memberId: m.id, role: 'officer', orgId: office.id } });
  await db.chatIdentity.create({ data: { platform: 'dingtalk', userId: OTHER, memberId: m.id } });
}

describe('an approval card DingTalk delivered to some officers only', () => {
  it('reaches the other officer after the retry, once; both copies redrawn', { timeout: 60_000 }, async () => {
    const t = await startTestApp();
    try {
      await secondOfficer(t);
      const d = driverFor('dingtalk', t.app);
      const server = serverOf(t);
      // DingTalk holds back the next card to the second officer
      server.flowControl([OTHER], 1);
      const { policy } = await currentPeriod(t.rt.db);
      const { id } = await fileClaim(d, W, {
        admitted: addDays(policy.startsOn, 3),
        discharged: addDays(policy.startsOn, 6),
        total: '2万',
        basic: '5000',
        selfPaid: '8000',
      });
      const cardsOf = (who: string) => d.inbox(who).filter((m) => m.card?.title.includes(`#${id}`));
      await expect.poll(() => cardsOf(OTHER).length, { timeout: 40_000 }).toBe(1);
      await t.app.jobs.idle();
      expect(cardsOf(OFFICER)).toHaveLength(1);
      expect(cardsOf(OTHER)).toHaveLength(1);

      // the row took two attempts and kept only the officer DingTalk held back; the first officer has a row of
      // their own, sent
      const rows = await t.rt.db.delivery.findMany({
        where: { key: { startsWith: `claim:${id}:` }, platform: 'dingtalk', kind: { not: 'text' } },
      });
      const cardRows = rows.filter((r) => r.content.includes('claim_cards'));
      expect(cardRows.map((r) => [r.recipient, r.status]).sort()).toEqual(
        [
          [JSON.stringify({ userIds: [OFFICER] }), 'sent'],
          [JSON.stringify({ userIds: [OTHER] }), 'sent'],
        ].sort(),
      );
      // each card instance is recorded with the officers who have it
      const recorded = await t.rt.db.claimCard.findMany({ where: { claimId: id, platform: 'dingtalk' } });
      expect(recorded.map((c) => JSON.parse(c.recipients)).sort()).toEqual([[OFFICER], [OTHER]].sort());

      // the second officer decides on the card that came late; the first officer's copy shows it
      const late = must(cardsOf(OTHER)[0]?.card, 'the late card');
      expect(said(await d.click(OTHER, late.id, `approve:${id}`))).toContain(`已批准补助申请 #${id}`);
      await t.app.jobs.idle();
      expect((await t.rt.db.claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved');
      const first = must(cardsOf(OFFICER)[0]?.card, 'the first card');
      expect(d.card(OFFICER, first.id)?.finalText).toMatch(/已批准 · 郑晓东/);
    } finally {
      await t.stop();
    }
  });

  it('a card sent again to those it missed is put in their chats, not created twice', async () => {
    const t = await startTestApp();
    try {
      const server = serverOf(t);
      const sender = (must(t.app.channels.get('dingtalk'), 'DingTalk') as DingtalkChannel).sender;
      const card: Card = {
        id: 'notice-card-1',
        title: '公告确认',
        fields: [{ label: '内容', value: '第二期开始登记' }],
        buttons: [{ key: 'ok', text: '知道了' }],
      };
      server.flowControl(['staff-0002'], 1);
      const first = await sender.send({ userIds: ['u1', 'staff-0002'] }, { kind: 'card', card }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(first).toBeInstanceOf(RecipientsUndelivered);
      expect((first as RecipientsUndelivered).outcome).toEqual({
        delivered: ['u1'],
        throttled: ['staff-0002'],
        invalid: [],
      });
      // DingTalk's reason is kept for the dead-letter list, the staff id in it masked
      expect((first as Error).message).toContain('推送频繁');
      expect((first as Error).message).not.toContain('staff-0002');
      expect(server.card(card.id)?.userIds).toEqual(['u1']);

      await sender.send({ userIds: ['staff-0002'] }, { kind: 'card', card });
      expect(server.card(card.id)?.userIds).toEqual(['u1', 'staff-0002']);
      expect(server.requests('/v1.0/card/instances/createAndDeliver')).toHaveLength(1);
      expect(server.requests('/v1.0/card/instances/deliver')).toHaveLength(1);
    } finally {
      await t.stop();
    }
  });
});
