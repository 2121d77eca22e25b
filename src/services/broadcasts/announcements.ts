/**
 * Deadline announcements (RULES §8): each timeline event marked `announce` goes to every configured group of the
 * programme's federation at T-n for n in policy.broadcasts.announceDaysBefore, with one of the programme's
 * slogans (seed 002's 宣传标语), rotated by date so each day's choice is the same on every instance and rerun.
 * An officer's ad-hoc announcement goes to the groups of their federation.
 */
import type { Templates } from '../../core/templates.js';
import type { Db } from '../../db/client.js';
import { dueAnnouncements } from '../../rules/index.js';
import { inOrder, type PlannedDelivery } from '../planned-delivery.js';
import type { PeriodWithPolicy } from './period.js';
import { dateCn } from './ranking-push.js';
import { groupsUnder } from './recipients.js';
import { splitMarkdown } from './split.js';

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

/** Slogan i of the day: deterministic in (date, i), walking through the list day after day. */
export function sloganFor(slogans: string[], date: string, i = 0): string | null {
  if (!slogans.length) return null;
  const day = Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
  return slogans[(((day + i) % slogans.length) + slogans.length) % slogans.length] ?? '';
}

export async function planDeadlineAnnouncements(i: {
  db: Db;
  templates: Templates;
  period: PeriodWithPolicy & { federationId: number; programme: string };
  date: string;
  platforms: string[];
  textBytes: (platform: string) => number;
}): Promise<PlannedDelivery[]> {
  const due = dueAnnouncements(i.period.policy, i.date);
  if (!due.length) return [];
  const groups = await groupsUnder(i.db, i.period.federationId, i.platforms);
  const out: PlannedDelivery[] = [];
  due.forEach((e, n) => {
    const weekday = WEEKDAYS[new Date(`${e.date}T00:00:00Z`).getUTCDay()];
    const text = i.templates.render('announce_deadline', {
      programme: i.period.programme,
      period: i.period.name,
      event: e,
      eventDateCn: dateCn(e.date),
      weekday,
      daysBefore: e.daysBefore,
      slogan: sloganFor(i.period.policy.slogans, i.date, n),
    });
    for (const g of groups)
      out.push(
        ...inOrder(
          splitMarkdown(text, i.textBytes(g.platform)).map(
            (part, k): PlannedDelivery => ({
              key: `deadline:p${i.period.id}:${e.key}:${e.date}:T-${e.daysBefore}:${g.platform}:${g.chatId}${k ? `:${k}` : ''}`,
              kind: 'deadline',
              platform: g.platform,
              recipient: { chatId: g.chatId },
              message: { kind: 'markdown', text: part },
            }),
          ),
        ),
      );
  });
  return out;
}

export interface AdhocAnnouncement {
  /** the confirmation card's id: one announcement, sent once */
  id: string;
  text: string;
  federationId: number;
  /** who asked, masked name and office for the footer */
  by: string;
  office: string;
  date: string;
  slogan?: string | null;
}

export async function planAdhocAnnouncement(i: {
  db: Db;
  templates: Templates;
  a: AdhocAnnouncement;
  platforms: string[];
  textBytes: (platform: string) => number;
}): Promise<PlannedDelivery[]> {
  const groups = await groupsUnder(i.db, i.a.federationId, i.platforms);
  const text = i.templates.render('announce_adhoc', { ...i.a, dateCn: dateCn(i.a.date) });
  return groups.flatMap((g) =>
    inOrder(
      splitMarkdown(text, i.textBytes(g.platform)).map(
        (part, k): PlannedDelivery => ({
          key: `adhoc:${i.a.id}:${g.platform}:${g.chatId}${k ? `:${k}` : ''}`,
          kind: 'adhoc' as const,
          platform: g.platform,
          recipient: { chatId: g.chatId },
          message: { kind: 'markdown' as const, text: part },
        }),
      ),
    ),
  );
}
