/**
 * Ranking and unit progress (seed 000). The published tables are public; who is missing is for the unit's rep
 * (their unit) and the office's officers (their office) only.
 */

import type { OutboundMessage } from '../../core/messages.js';
import { maskName } from '../../rules/index.js';
import { hasRole, type Person, rolesOf } from '../../services/people.js';
import type { Turn } from '../context.js';

export async function rankingReply(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  const r = await t.deps.services.progress.ranking(period);
  // the person's own row, found without copying every row of the table (issue #17: that copy was most of the turn)
  const category = r.categories.find((c) => c.rows.some((row) => row.id === p.rankUnitId));
  const row = category?.rows.find((x) => x.id === p.rankUnitId);
  const own = category && row ? { ...row, category: category.category, of: category.rows.length } : undefined;
  // the leaders of each category, not every unit: a province has thousands, and the text is rendered (and its kept
  // copy looked up, templates.ts) from what it is given; the reply shows the first five of each
  const shown = {
    ...r,
    categories: r.categories.map((c) => ({ ...c, rows: c.rows.slice(0, RANKING_ROWS_SHOWN) })),
  };
  return [{ kind: 'markdown', text: t.deps.templates.render('ranking', { period: period.name, ranking: shown, own }) }];
}

/** rows of each category templates/text/ranking.liquid may show (it shows 5) */
const RANKING_ROWS_SHOWN = 10;

export async function unitProgressReply(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const units = [...rolesOf(p, 'rep'), ...rolesOf(p, 'officer')];
  if (!units.length) return [t.say('forbidden', { what: '查看单位进度', who: '单位代办员或办事处' })];
  const { services } = t.deps;
  const period = await services.periods.currentPeriod();
  const [r, counts] = await Promise.all([
    services.progress.ranking(period),
    services.unitViews.unitCounts(
      period.id,
      units.map((u) => u.orgId),
    ),
  ]);
  const lines = counts.map((u) => {
    const cat = r.categories.find((c) => c.rows.some((row) => row.id === u.rankUnitId));
    const row = cat?.rows.find((x) => x.id === u.rankUnitId);
    return {
      name: u.name,
      enrolled: u.enrolled,
      members: u.members,
      missing: u.members - u.enrolled,
      rank: row?.rank,
      of: cat?.rows.length,
      category: cat?.category,
      rankName: row?.name,
      display: row?.display,
    };
  });
  return [t.say('unit_progress', { period: period.name, lines })];
}

const MAX_NAMES = 50;

export async function missingMembersReply(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const reps = rolesOf(p, 'rep');
  const officer = hasRole(p, 'officer');
  if (!reps.length && !officer) return [t.say('forbidden', { what: '查看未参名单', who: '单位代办员或办事处' })];
  const { services } = t.deps;
  const period = await services.periods.currentPeriod();
  const { count, members } = await services.unitViews.missingMembers(
    period.id,
    { unitIds: reps.map((r) => r.orgId), officeIds: rolesOf(p, 'officer').map((r) => r.orgId) },
    MAX_NAMES,
  );
  // reps chase people by name; the ID number never appears, and officers (a whole office) see masked names
  const names = members.map((m) => ({ name: reps.length ? m.name : maskName(m.name), unit: m.unit }));
  return [t.say('missing_members', { period: period.name, count, names, more: count - names.length })];
}
