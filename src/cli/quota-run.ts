/**
 * `huzhu quota`: opens the configured channels (without serving) to reach the ones that meter a monthly API quota, and
 * projects the month from what the database says will be sent: daily pushes to reps and groups, the period's
 * announcements, and the claims of the last 30 days.
 */
import { createBackground } from '../background.js';
import type { QuotaPort } from '../channels/channel.js';
import { configuredChannelFactories } from '../channels/index.js';
import { addDays, daysBetween, shanghaiDate } from '../rules/index.js';
import type { Runtime } from '../runtime.js';
import { groupChatsOf } from '../services/broadcasts/recipients.js';
import { currentPeriod } from '../services/periods.js';
import { openStore } from '../state/open.js';
import { planFromCounts, quotaCommand } from './quota.js';

export async function runQuota(
  args: string[],
  rt: Runtime,
  out: (s: string) => void,
  now = new Date(),
): Promise<number> {
  const { db, config, log } = rt;
  const store = await openStore(config.REDIS_URL, log, config.REDIS_PREFIX);
  const background = createBackground(log);
  const channels = [];
  try {
    for (const factory of configuredChannelFactories(config))
      channels.push(
        await factory({ config, store, log, handle: async () => [], now: () => now, background, diskState: true }),
      );
    const metered = channels.flatMap((c) => {
      return c.monthlyQuota ? [{ platform: c.platform, port: c.monthlyQuota }] : [];
    });
    const today = shanghaiDate(now);
    const month = today.slice(0, 7);
    const daysInMonth = daysBetween(`${month}-01`, addDays(`${month}-28`, 4).slice(0, 7) + '-01');
    const period = await currentPeriod(db);
    const inMonth = period.policy.timeline.filter((e) => e.announce && e.date.startsWith(month)).length;
    const categories = (
      await db.org.findMany({ where: { category: { not: null } }, distinct: ['category'], select: { category: true } })
    ).length;
    const claims = await db.claim.count({ where: { submittedAt: { gte: new Date(now.getTime() - 30 * 86_400_000) } } });
    const ports: QuotaPort[] = [];
    for (const { platform, port } of metered) {
      const reps = await db.roleGrant.count({ where: { role: 'rep', member: { identities: { some: { platform } } } } });
      const groups = (
        await db.org.findMany({ where: { groupChats: { not: null } }, select: { groupChats: true } })
      ).filter((o) => groupChatsOf(o.groupChats)[platform]).length;
      ports.push(port);
      const plan = planFromCounts({
        daysInMonth,
        reps,
        repsWithLines: reps,
        groups,
        categories,
        announcements: inMonth * period.policy.broadcasts.announceDaysBefore.length,
        claims,
      });
      const code = await quotaCommand(args, [port], plan, out);
      if (code !== 0) return code;
    }
    if (!ports.length)
      return quotaCommand(
        args,
        [],
        planFromCounts({ daysInMonth, reps: 0, repsWithLines: 0, groups: 0, categories, announcements: 0, claims }),
        out,
      );
    return 0;
  } finally {
    await background.idle();
    for (const c of channels) await c.stop?.();
    await store.close();
  }
}
