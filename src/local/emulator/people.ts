/**
 * What the emulator's pickers list, read from the database: the demo people as each platform knows them (bound or
 * not, their roles and unit), the group chats organisations have on a platform, and the dates of the current
 * period's timeline the clock can be moved to.
 */
import type { Db } from '../../db/client.js';
import { eventLabel } from '../../rules/deadlines.js';
import { DEMO_PEOPLE } from '../../services/demo/load.js';
import { currentPeriod } from '../../services/periods.js';
import type { ApiGroup, ApiPerson, ApiTimelineDate } from './api.js';

/** other bound chat ids listed after the demo people (a roster import may add some) */
const MAX_OTHERS = 20;

export async function listPeople(db: Db, platform: string): Promise<ApiPerson[]> {
  const demoIds: string[] = DEMO_PEOPLE.map((p) => p.userId);
  const include = { member: { include: { unit: true, roles: true } } } as const;
  const identities = [
    ...(await db.chatIdentity.findMany({ where: { platform, userId: { in: demoIds } }, include })),
    ...(await db.chatIdentity.findMany({
      where: { platform, userId: { notIn: demoIds } },
      include,
      orderBy: { id: 'asc' },
      take: MAX_OTHERS,
    })),
  ];
  const byUser = new Map(identities.map((i) => [i.userId, i]));
  const toPerson = (userId: string, fallbackName: string): ApiPerson => {
    const i = byUser.get(userId);
    if (!i) return { userId, name: fallbackName, roles: ['worker'], unit: null, bound: false };
    const roles = [...new Set(i.member.roles.map((r) => r.role))];
    return {
      userId,
      name: i.member.name,
      roles: roles.length ? roles : ['worker'],
      unit: i.member.unit.name,
      bound: true,
    };
  };
  const demo = DEMO_PEOPLE.map((p) => toPerson(p.userId, p.name));
  const others = identities.filter((i) => !demoIds.includes(i.userId)).map((i) => toPerson(i.userId, i.member.name));
  return [...demo, ...others];
}

export async function listGroups(db: Db, platform: string): Promise<ApiGroup[]> {
  const orgs = await db.org.findMany({
    where: { groupChats: { not: null } },
    select: { name: true, groupChats: true },
    orderBy: { id: 'asc' },
  });
  const groups: ApiGroup[] = [];
  for (const o of orgs) {
    let chats: unknown;
    try {
      chats = JSON.parse(o.groupChats ?? '{}');
    } catch {
      continue;
    }
    const chatId = chats && typeof chats === 'object' ? (chats as Record<string, unknown>)[platform] : undefined;
    if (typeof chatId === 'string' && chatId) groups.push({ chatId, name: o.name });
  }
  return groups;
}

/** The current period's timeline, one entry per date (labels of the same day joined), in date order. */
export async function timelineDates(db: Db): Promise<ApiTimelineDate[]> {
  let period: Awaited<ReturnType<typeof currentPeriod>>;
  try {
    period = await currentPeriod(db);
  } catch {
    return [];
  }
  const byDate = new Map<string, string[]>();
  for (const e of period.policy.timeline)
    byDate.set(e.date, [...(byDate.get(e.date) ?? []), eventLabel(e.label, e.date)]);
  return [...byDate.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, labels]) => ({ date, label: labels.join('、') }));
}
