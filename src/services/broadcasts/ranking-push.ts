/**
 * The daily ranking push (seed 000, issue 6): each rep gets their unit's line (done, ratio, rank in its category,
 * change since yesterday, gap to the target, members still missing) and the chart of their category; each
 * federation group gets the full tables (grouped by category, sorted, totals, headline against the target) and
 * the charts. This module only plans: it returns the deliveries, the queue sends them.
 */
import type { Templates } from '../../core/templates.js';
import type { Db } from '../../db/client.js';
import { enrolmentOpen } from '../../rules/claim-checks.js';
import { addDays, type ClaimStatus, claimTargetMet, claimTargets, type Ranking } from '../../rules/index.js';
import type { KeyValueStore } from '../../state/store.js';
import { previousPeriod } from '../periods.js';
import { inOrder, type PlannedDelivery } from '../planned-delivery.js';
import { ranking } from '../progress.js';
import type { PeriodWithPolicy } from './period.js';
import { federationGroups, repTargets } from './recipients.js';
import { snapshotOf, takeSnapshot } from './snapshots.js';
import { splitMarkdown } from './split.js';

export interface RankingPushInput {
  db: Db;
  store: KeyValueStore;
  templates: Templates;
  period: PeriodWithPolicy & { federationId: number };
  /** the Asia/Shanghai date of the push */
  date: string;
  platforms: string[];
  textBytes: (platform: string) => number;
  chartFont?: string;
}

export interface RankingPushPlan {
  ranking: Ranking;
  deliveries: PlannedDelivery[];
}

export function dateCn(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

interface OrgNode {
  id: number;
  name: string;
  path: string;
  category: string | null;
  rankUnitId: number | null;
}

/** Members and enrolled members of each org's subtree, by two GROUP BYs and a walk up each unit's path. */
async function subtreeCounts(db: Db, periodId: number) {
  const [members, enrolled] = await Promise.all([
    db.member.groupBy({ by: ['unitId'], _count: { _all: true } }),
    db.enrolment.groupBy({ by: ['unitId'], where: { periodId, kind: { not: 'none' } }, _count: { _all: true } }),
  ]);
  return (wanted: Set<number>, orgs: Map<number, OrgNode>) => {
    const out = new Map<number, { members: number; enrolled: number }>();
    const add = (unitId: number, field: 'members' | 'enrolled', n: number) => {
      const path = orgs.get(unitId)?.path ?? `/${unitId}/`;
      for (const part of path.split('/')) {
        const id = Number(part);
        if (!part || !wanted.has(id)) continue;
        const c = out.get(id) ?? { members: 0, enrolled: 0 };
        c[field] += n;
        out.set(id, c);
      }
    };
    for (const g of members) add(g.unitId, 'members', g._count._all);
    for (const g of enrolled) add(g.unitId, 'enrolled', g._count._all);
    return out;
  };
}

/** The enrolment task of each ranked unit: the period's own, else the organisations file's 参加目标. */
async function enrolmentTasks(db: Db, periodId: number): Promise<Map<number, number>> {
  const [baselines, targets] = await Promise.all([
    db.unitBaseline.findMany({
      where: { periodId, enrolmentTask: { not: null } },
      select: { orgId: true, enrolmentTask: true },
    }),
    // the organisations file's 参加目标 (src/services/programme) where the period has no task of its own
    db.org.findMany({ where: { enrolmentTarget: { not: null } }, select: { id: true, enrolmentTarget: true } }),
  ]);
  const tasks = new Map(
    baselines.flatMap((b) => (b.enrolmentTask === null ? [] : [[b.orgId, b.enrolmentTask] as const])),
  );
  for (const o of targets) if (!tasks.has(o.id) && o.enrolmentTarget !== null) tasks.set(o.id, o.enrolmentTarget);
  return tasks;
}

export async function planRankingPush(i: RankingPushInput): Promise<RankingPushPlan> {
  const { db, period, date, templates } = i;
  // the reads do not depend on each other: on PostgreSQL they run side by side on the pool's connections
  const [r, yesterday, tasks, prev, reps, orgList, countsFor, claimTargetOf] = await Promise.all([
    ranking(db, period),
    snapshotOf(db, period.id, addDays(date, -1)),
    enrolmentTasks(db, period.id),
    previousPeriod(db, period),
    repTargets(db, i.platforms),
    db.org.findMany({ select: { id: true, name: true, path: true, category: true, rankUnitId: true } }),
    subtreeCounts(db, period.id),
    claimTargetLines(db, period),
  ]);
  const rows = r.categories.flatMap((c) =>
    c.rows.map((row) => ({ ...row, id: Number(row.id), category: c.category, of: c.rows.length })),
  );
  // written while the reports are rendered; awaited before the plan is returned, so a failed write fails the push
  const snapshot = takeSnapshot(db, period.id, date, rows);
  snapshot.catch(() => {});
  const rowById = new Map(rows.map((row) => [row.id, row]));
  const previousName = prev?.name ?? null;

  // after the roster closed nobody can join: the push reports the result, not who is still missing
  const enrolling = enrolmentOpen(period.policy, date);
  const deliveries: PlannedDelivery[] = [];
  const wanted = new Set(reps.flatMap((t) => t.orgIds));
  const orgs = new Map<number, OrgNode>(orgList.map((o) => [o.id, o]));
  const counts = countsFor(wanted, orgs);

  const lineOf = (orgId: number) => {
    const org = orgs.get(orgId);
    if (!org) return null;
    const c = counts.get(orgId) ?? { members: 0, enrolled: 0 };
    const rankUnit = org.rankUnitId ?? (org.category ? org.id : null);
    const row = rankUnit === null ? undefined : rowById.get(rankUnit);
    let ranked: Record<string, unknown> | null = null;
    if (row) {
      const before = yesterday.get(row.id);
      const delta = before === undefined ? null : row.participants - before;
      const task = tasks.get(row.id);
      // the unit's enrolment task when one is set; otherwise seed 003's floor: not below the previous period
      const target = task ?? (row.previousParticipants > 0 ? row.previousParticipants : null);
      ranked = {
        name: row.name,
        category: row.category,
        rank: row.rank,
        of: row.of,
        participants: row.participants,
        display: row.display,
        hasDelta: delta !== null,
        delta: delta === null ? '' : delta >= 0 ? `+${delta}` : String(delta),
        target,
        targetIsTask: task !== undefined,
        gap: target === null ? null : Math.max(0, target - row.participants),
        claim: claimTargetOf(row.id),
      };
    }
    return {
      name: org.name,
      isRanked: row?.id === org.id,
      members: c.members,
      enrolled: c.enrolled,
      missing: Math.max(0, c.members - c.enrolled),
      ranked,
      category: row?.category ?? null,
      rankedId: row?.id ?? null,
    };
  };

  // a unit's reps (its 工会主席, its 代办员…) get the same text: each set of units is rendered and split once
  type Line = NonNullable<ReturnType<typeof lineOf>>;
  const rendered = new Map<string, { lines: Line[]; parts: string[] }>();
  const textFor = (orgIds: number[], platform: string) => {
    const k = `${platform}\u0000${orgIds.join(',')}`;
    let v = rendered.get(k);
    if (!v) {
      const lines = orgIds.map(lineOf).filter((l): l is Line => l !== null);
      const text = lines.length
        ? templates.render('push_rep', {
            enrolling,
            date,
            dateCn: dateCn(date),
            period: period.name,
            lines,
            headline: r.headline,
          })
        : '';
      v = { lines, parts: lines.length ? splitMarkdown(text, i.textBytes(platform)) : [] };
      rendered.set(k, v);
    }
    return v;
  };

  for (const t of reps) {
    const { lines, parts } = textFor(t.orgIds, t.platform);
    if (!lines.length) continue;
    const base = `ranking:p${period.id}:${date}:${t.platform}:${t.userId}`;
    const to = { userIds: [t.userId] };
    const own: PlannedDelivery[] = [];
    for (const [n, part] of parts.entries())
      own.push({
        key: n ? `${base}:${n}` : base,
        kind: 'ranking_push',
        platform: t.platform,
        recipient: to,
        message: { kind: 'markdown', text: part },
      });
    // one chart per category, the rep's own ranked unit marked in it (the first, when they have several)
    const charted = new Map<string, number>();
    for (const l of lines)
      if (l.category && l.rankedId !== null && !charted.has(l.category)) charted.set(l.category, l.rankedId);
    for (const [category, highlightId] of charted)
      own.push({
        key: `${base}:chart:${category}`,
        kind: 'ranking_push',
        platform: t.platform,
        recipient: to,
        message: { kind: 'chart', periodId: period.id, date, category, highlightId },
      });
    deliveries.push(...inOrder(own));
  }

  const table = templates.render('push_group', {
    period: period.name,
    previousName: previousName ?? '上期',
    date,
    dateCn: dateCn(date),
    ranking: r,
  });
  for (const g of await federationGroups(db, period.federationId, i.platforms)) {
    const base = `ranking-group:p${period.id}:${date}:${g.platform}:${g.chatId}`;
    const to = { chatId: g.chatId };
    const own: PlannedDelivery[] = [];
    for (const [n, part] of splitMarkdown(table, i.textBytes(g.platform)).entries())
      own.push({
        key: `${base}:${n}`,
        kind: 'ranking_group',
        platform: g.platform,
        recipient: to,
        message: { kind: 'markdown', text: part },
      });
    for (const c of r.categories)
      own.push({
        key: `${base}:chart:${c.category}`,
        kind: 'ranking_group',
        platform: g.platform,
        recipient: to,
        message: { kind: 'chart', periodId: period.id, date, category: c.category },
      });
    deliveries.push(...inOrder(own));
  }
  await snapshot;
  return { ranking: r, deliveries };
}

/**
 * Seed 001's claim targets for the rep's line: the ranked unit's 理赔目标基数 (organisations file) against the
 * subsidies paid to its members this period; '' where the unit has no base or the policy sets no claim ratios.
 */
async function claimTargetLines(db: Db, period: PeriodWithPolicy): Promise<(rankUnitId: number) => string> {
  const t = period.policy.targets;
  if (!t.claimPersonsRatioBp && !t.claimAmountRatioBp) return () => '';
  const [bases, paid] = await Promise.all([
    db.org.findMany({ where: { claimTargetBase: { not: null } }, select: { id: true, claimTargetBase: true } }),
    db.claim.findMany({
      where: { periodId: period.id, status: 'paid' satisfies ClaimStatus },
      select: { memberId: true, subsidyFen: true, member: { select: { unit: { select: { rankUnitId: true } } } } },
    }),
  ]);
  const base = new Map(bases.flatMap((b) => (b.claimTargetBase === null ? [] : [[b.id, b.claimTargetBase] as const])));
  return (rankUnitId) => {
    const persons = base.get(rankUnitId);
    if (persons === undefined) return '';
    const mine = paid.filter((c) => c.member.unit.rankUnitId === rankUnitId);
    const targets = claimTargets({
      basePersons: persons,
      feePerPersonFen: t.claimFeePerPersonFen,
      personsRatioBp: t.claimPersonsRatioBp,
      amountRatioBp: t.claimAmountRatioBp,
    });
    return claimTargetMet(targets, {
      paidPersons: new Set(mine.map((c) => c.memberId)).size,
      paidFen: mine.reduce((s, c) => s + c.subsidyFen, 0),
    }).summary;
  };
}
