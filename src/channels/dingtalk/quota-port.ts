/**
 * What `huzhu quota` asks of the channel: the month's numbers (used, projected from the schedules, held, state,
 * policy) and a flush of the held messages. Platform-neutral in shape so the CLI need not know DingTalk.
 */
import { shanghaiDate } from '../../rules/dates.js';
import type { QuotaPort, QuotaReport } from '../channel.js';
import { monthOf, type QuotaMeter } from './quota.js';
import { daysInMonth, daysLeftInMonth, projectedForMonth, projectMonth } from './quota-plan.js';
import type { DingtalkSender } from './sender.js';
import type { DingtalkSettings } from './settings.js';

export type { QuotaPort, QuotaReport };

export function createQuotaPort(o: {
  platform: string;
  quota: QuotaMeter;
  sender: DingtalkSender;
  settings: DingtalkSettings;
  now: () => Date;
}): QuotaPort {
  return {
    platform: o.platform,
    async report(plan) {
      const now = o.now();
      const month = monthOf(now);
      const used = await o.quota.used(month);
      const need = projectMonth(plan);
      return {
        platform: o.platform,
        org: o.quota.org,
        month,
        used,
        budget: o.settings.DINGTALK_QUOTA_MONTHLY,
        monthlyNeed: need.total,
        projected: projectedForMonth(used, need, daysInMonth(month), daysLeftInMonth(shanghaiDate(now))),
        held: (await o.quota.held()).length,
        exhausted: await o.quota.exhausted(),
        giveWay: [...o.settings.DINGTALK_QUOTA_GIVE_WAY],
        reserve: o.settings.DINGTALK_QUOTA_RESERVE,
      };
    },
    flush: () => o.sender.flushHeld(),
  };
}
