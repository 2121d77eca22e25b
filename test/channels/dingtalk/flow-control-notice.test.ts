/**
 * A claim's result notice to a worker DingTalk flow-controls (batchSend answers 200 with the worker in
 * flowControlledStaffIdList): through the whole app (the officer's click on the approval card, the notice planned as
 * a Delivery row in the decision's transaction, sent by the job queue), the worker is told exactly once after the
 * throttle lifts, and the row says it took a second attempt.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../../src/core/must.js';
import type { LocalDingtalkServer } from '../../../src/local/dingtalk/local-server.js';
import { addDays } from '../../../src/rules/index.js';
import { currentPeriod } from '../../../src/services/periods.js';
import { fileClaim, said } from '../../journeys/harness.js';
import { startTestApp } from '../../support/app.js';
import { driverFor } from '../../support/drivers/index.js';
import { localServerOf } from '../../support/local.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

describe('a claim notice to a flow-controlled DingTalk worker', () => {
  it('is retried by the queue and reaches the worker exactly once', { timeout: 60_000 }, async () => {
    const t = await startTestApp();
    try {
      const d = driverFor('dingtalk', t.app);
      const server = localServerOf(
        must(t.app.channels.get('dingtalk'), 'the DingTalk channel') as { localServer?: LocalDingtalkServer },
      );
      const { policy } = await currentPeriod(t.rt.db);
      const { id } = await fileClaim(d, W, {
        admitted: addDays(policy.startsOn, 3),
        discharged: addDays(policy.startsOn, 6),
        total: '2万',
        basic: '5000',
        selfPaid: '8000',
      });
      const card = must(
        d
          .inbox(OFFICER)
          .filter((m) => m.card?.title.includes(`#${id}`))
          .at(-1)?.card,
        'the claim’s card in the inbox',
      );
      // DingTalk holds back the worker's next one-to-one message
      server.flowControl([W], 1);
      const since = server.lastSeq();
      expect(said(await d.click(OFFICER, card.id, `approve:${id}`))).toContain(`已批准补助申请 #${id}`);

      const told = () => d.inbox(W).filter((m) => m.text.includes(`#${id}（海南省人民医院）已批准`)).length;
      await expect.poll(told, { timeout: 40_000 }).toBe(1);
      await t.app.jobs.idle();
      expect(told()).toBe(1);

      const notice = await t.rt.db.delivery.findFirstOrThrow({
        where: { key: { startsWith: `claim:${id}:` }, AND: [{ key: { contains: `:notice:dingtalk:${W}` } }] },
      });
      expect([notice.status, notice.attempts]).toEqual(['sent', 2]);
      // DingTalk was asked twice for the worker: held back once, then delivered
      const asked = server
        .requests('/v1.0/robot/oToMessages/batchSend')
        .filter((r) => r.seq > since && (r.body as { userIds: string[] }).userIds.includes(W))
        .map((r) => (r.answer as { flowControlledStaffIdList: string[] }).flowControlledStaffIdList);
      expect(asked).toEqual([[W], []]);
    } finally {
      await t.stop();
    }
  });
});
