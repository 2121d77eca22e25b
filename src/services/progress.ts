/**
 * Enrolment progress per ranked unit, aggregated by the database (GROUP BY over the Enrolment table), never by
 * loading rows: a province has a million enrolments (RULES §12).
 */

import { must } from '../core/must.js';
import type { Db } from '../db/client.js';
import { rankUnits } from '../rules/index.js';
import { memo } from './memo.js';
import type { PeriodWithPolicy } from './periods.js';
import { previousPeriod } from './periods.js';

export interface UnitProgress {
  id: number;
  name: string;
  category: string;
  previousParticipants: number;
  participants: number;
  memberTotal: number | null;
  note?: string;
}

export async function unitProgress(db: Db, period: PeriodWithPolicy): Promise<UnitProgress[]> {
  const prev = await previousPeriod(db, period);
  // 已完成数: paid enrolments, and unpaid ones only where the policy counts them
  const counted = period.policy.fees.unpaidCounts ? {} : { paid: true };
  const [units, now, before, baselines] = await Promise.all([
    db.org.findMany({
      where: { category: { not: null } },
      select: { id: true, name: true, category: true, memberTotal: true, rankNote: true, previousParticipants: true },
      orderBy: { id: 'asc' },
    }),
    db.enrolment.groupBy({
      by: ['rankUnitId'],
      where: { periodId: period.id, kind: { not: 'none' }, ...counted },
      _count: { _all: true },
    }),
    prev
      ? db.enrolment.groupBy({
          by: ['rankUnitId'],
          where: { periodId: prev.id, kind: { not: 'none' } },
          _count: { _all: true },
        })
      : Promise.resolve([]),
    db.unitBaseline.findMany({ where: { periodId: period.id }, select: { orgId: true, previousParticipants: true } }),
  ]);
  const count = new Map(now.map((g) => [g.rankUnitId, g._count._all]));
  const prevCount = new Map(before.map((g) => [g.rankUnitId, g._count._all]));
  // a printed previous-period figure (seed 000's 第一期参加数) wins over rows we happen to hold; the organisations
  // file's 上期参加人数 stands in when the previous period has no rows here (the first period set up from files)
  const baseline = new Map(baselines.map((b) => [b.orgId, b.previousParticipants]));
  const prevHasRows = before.length > 0;
  return units.map((u) => ({
    id: u.id,
    name: u.name,
    category: must(u.category, 'ranked units are selected with a category'),
    previousParticipants:
      baseline.get(u.id) ?? (prevHasRows ? (prevCount.get(u.id) ?? 0) : (u.previousParticipants ?? 0)),
    participants: count.get(u.id) ?? 0,
    memberTotal: u.memberTotal,
    ...(u.rankNote ? { note: u.rankNote } : {}),
  }));
}

export async function ranking(db: Db, period: PeriodWithPolicy) {
  const units = await unitProgress(db, period);
  return rankUnits(units, { target: period.policy.targets.participants });
}

/**
 * The ranking as the chat shows it (排名, 我单位进度): computed at most once per 5 s per period and process. Each
 * computation groups every enrolment of two periods (a province: a million rows), and people ask in bursts after a
 * push (issue #17's load: a tenth of the messages). The pushes and exports call `ranking` and are exact; the chat's
 * unit counts (unit-views.ts) are exact too, only the rank may be 5 s old.
 */
const chatRankings = memo<Awaited<ReturnType<typeof ranking>>>(5_000);

export function chatRanking(db: Db, period: PeriodWithPolicy) {
  return chatRankings.get(db, String(period.id), () => ranking(db, period));
}

/** the next chat ranking is computed afresh (a test, or a writer that must be seen at once) */
export function forgetChatRanking(db: Db): void {
  chatRankings.forget(db);
}
