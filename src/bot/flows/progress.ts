/**
 * Ranking and unit progress (seed 000). The published tables are public; who is missing is for the unit's rep
 * (their unit) and the office's officers (their office) only.
 */
import { maskName } from '../../rules/index.js';
import { hasRole, type Person, rolesOf } from '../../services/people.js';
import { currentPeriod } from '../../services/periods.js';
import { ranking } from '../../services/progress.js';
import type { Turn } from '../context.js';
import type { OutboundMessage } from '../messages.js';

export async function rankingReply(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const period = await currentPeriod(t.deps.db);
  const r = await ranking(t.deps.db, period);
  const own = r.categories
    .flatMap((c) => c.rows.map((row) => ({ ...row, category: c.category, of: c.rows.length })))
    .find((row) => row.id === p.rankUnitId);
  return [{ kind: 'markdown', text: t.deps.templates.render('ranking', { period: period.name, ranking: r, own }) }];
}

export async function unitProgressReply(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const units = [...rolesOf(p, 'rep'), ...rolesOf(p, 'officer')];
  if (!units.length) return [t.say('forbidden', { what: '查看单位进度', who: '单位代办员或办事处' })];
  const { db } = t.deps;
  const period = await currentPeriod(db);
  const r = await ranking(db, period);
  const lines = [];
  for (const role of units) {
    const org = await db.org.findUniqueOrThrow({ where: { id: role.orgId } });
    const [enrolled, members] = await Promise.all([
      db.enrolment.count({
        where: {
          periodId: period.id,
          kind: { not: 'none' },
          ...(org.kind === 'office' ? { rankUnitId: org.id } : { unitId: org.id }),
        },
      }),
      db.member.count({ where: org.kind === 'office' ? { unit: { officeId: org.id } } : { unitId: org.id } }),
    ]);
    const rankUnit = org.rankUnitId ?? org.id;
    const cat = r.categories.find((c) => c.rows.some((row) => row.id === rankUnit));
    const row = cat?.rows.find((x) => x.id === rankUnit);
    lines.push({
      name: org.name,
      enrolled,
      members,
      missing: members - enrolled,
      rank: row?.rank,
      of: cat?.rows.length,
      category: cat?.category,
      rankName: row?.name,
      display: row?.display,
    });
  }
  return [t.say('unit_progress', { period: period.name, lines })];
}

const MAX_NAMES = 50;

export async function missingMembersReply(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const reps = rolesOf(p, 'rep');
  const officer = hasRole(p, 'officer');
  if (!reps.length && !officer) return [t.say('forbidden', { what: '查看未参名单', who: '单位代办员或办事处' })];
  const { db } = t.deps;
  const period = await currentPeriod(db);
  const orgIds = reps.map((r) => r.orgId);
  const offices = rolesOf(p, 'officer').map((r) => r.orgId);
  const where = {
    OR: [{ unitId: { in: orgIds } }, { unit: { officeId: { in: offices } } }],
    enrolments: { none: { periodId: period.id, kind: { not: 'none' } } },
  };
  const [count, members] = await Promise.all([
    db.member.count({ where }),
    db.member.findMany({
      where,
      select: { name: true, unit: { select: { name: true } } },
      orderBy: { id: 'asc' },
      take: MAX_NAMES,
    }),
  ]);
  // reps chase people by name; the ID number never appears, and officers (a whole office) see masked names
  const names = members.map((m) => ({ name: reps.length ? m.name : maskName(m.name), unit: m.unit.name }));
  return [t.say('missing_members', { period: period.name, count, names, more: count - names.length })];
}
