/**
 * 对账 and 年度报表 in chat (issue #15 items 4, 5): an officer gets their own office's figures, an admin the whole
 * programme's, as a short summary and the XLSX as a file message (the channel uploads it: WeCom media/upload then a
 * file message, DingTalk its robot file API). The figures come from the same services as the CLI.
 */
import type { OutboundMessage } from '../../core/messages.js';
import { shanghaiDate } from '../../rules/index.js';
import { hasRole, type Person, rolesOf } from '../../services/people.js';
import { currentPeriod } from '../../services/periods.js';
import { yearReportWorkbook } from '../../services/programme/year-report.js';
import { reconciliationReport, reconciliationWorkbook } from '../../services/reconciliation.js';
import type { Turn } from '../context.js';

/** units with fees still to collect named in the summary; the file has them all */
const UNITS_SHOWN = 10;

/** undefined: everything (an admin); otherwise the person's offices; null: neither */
function scope(p: Person): { officeIds?: number[]; name: string } | null {
  const admin = rolesOf(p, 'admin');
  if (admin.length) return { name: admin[0]!.orgName };
  const offices = rolesOf(p, 'officer');
  if (!offices.length) return null;
  return { officeIds: offices.map((o) => o.orgId), name: offices.map((o) => o.orgName).join('、') };
}

export async function reconcileReply(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const s = scope(p);
  if (!s) return [t.say('forbidden', { what: '对账', who: '办事处经办人或管理员' })];
  const period = await currentPeriod(t.deps.db);
  const today = shanghaiDate(t.deps.now());
  const r = await reconciliationReport(t.deps.db, period, s.officeIds);
  const unpaid = r.units.filter((u) => u.unpaid.persons > 0).sort((a, b) => b.unpaid.persons - a.unpaid.persons);
  const text = t.say('reconcile_summary', {
    period: period.name,
    today,
    offices: r.offices.map((o) => ({
      name: o.office.name,
      rosterPersons: o.roster.persons,
      rosterFen: o.roster.amountFen,
      remittedPersons: o.remitted.persons,
      remittedFen: o.remitted.amountFen,
      differences: o.differences,
    })),
    units: r.units,
    unpaidUnits: unpaid
      .slice(0, UNITS_SHOWN)
      .map((u) => ({ name: u.name, persons: u.unpaid.persons, fen: u.unpaid.amountFen })),
    unpaidUnitCount: unpaid.length,
    unpaidPersons: unpaid.reduce((n, u) => n + u.unpaid.persons, 0),
    unpaidFen: unpaid.reduce((n, u) => n + u.unpaid.amountFen, 0),
    moreUnits: Math.max(0, unpaid.length - UNITS_SHOWN),
  });
  return [
    text,
    { kind: 'file', bytes: await reconciliationWorkbook(r, period.name), name: `互助金对账-${today}.xlsx` },
  ];
}

const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

export async function yearReportReply(t: Turn, p: Person, year: number | undefined): Promise<OutboundMessage[]> {
  const s = scope(p);
  if (!s || (!hasRole(p, 'admin') && !hasRole(p, 'officer')))
    return [t.say('forbidden', { what: '年度报表', who: '办事处经办人或管理员' })];
  const today = shanghaiDate(t.deps.now());
  const y = year ?? Number(today.slice(0, 4));
  if (y < MIN_YEAR || y > MAX_YEAR) return [t.say('year_report_bad_year')];
  const period = await currentPeriod(t.deps.db);
  const { report, bytes } = await yearReportWorkbook(t.deps.db, period, y, s.name, s.officeIds);
  return [
    t.say('year_report_done', { year: y, office: s.name, period: period.name, r: report }),
    { kind: 'file', bytes, name: `${y}年度运行情况统计表.xlsx` },
  ];
}
