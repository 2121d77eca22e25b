/**
 * 对账 and 年度报表 in chat (issue #15 items 4, 5): an officer gets their own office's figures, an admin the whole
 * programme's, as a short summary and the XLSX as a file message (the channel uploads it: WeCom media/upload then a
 * file message, DingTalk its robot file API). The figures come from the same services as the CLI.
 */
import { FileTooLargeError, type InboundMessage, type OutboundMessage } from '../../core/messages.js';
import { shanghaiDate } from '../../rules/index.js';
import { hasRole, type Person, rolesOf } from '../../services/people.js';
import { issueText } from '../../services/programme/plan.js';
import { tableFormat } from '../../services/programme/table.js';
import type { Turn } from '../context.js';
import { fileName, MAX_FILE_BYTES } from './chat-file.js';

/** units with fees still to collect named in the summary; the file has them all */
const UNITS_SHOWN = 10;

/** undefined: everything (an admin); otherwise the person's offices; null: neither */
function scope(p: Person): { officeIds?: number[]; name: string } | null {
  const [admin] = rolesOf(p, 'admin');
  if (admin) return { name: admin.orgName };
  const offices = rolesOf(p, 'officer');
  if (!offices.length) return null;
  return { officeIds: offices.map((o) => o.orgId), name: offices.map((o) => o.orgName).join('、') };
}

/**
 * Which files go straight to 对账: any file of an officer who is not an admin (an officer sends nothing else).
 * An admin's file goes to the admin's desk, which tells a group application from an import by its content, not by
 * its name (WeCom gives none before the download, and may give none at all), and hands it back here
 * (applicationReply). Everyone else's is refused there before it is downloaded.
 */
export function isApplicationFile(p: Person | null, _name: string): boolean {
  return !!p && !!scope(p) && !hasRole(p, 'admin');
}

const ERRORS_SHOWN = 20;

/** The group application sent as a file: checked (nothing written), then 对账 with it. */
export async function onApplicationFile(
  t: Turn & { msg: InboundMessage & { kind: 'file' } },
  p: Person | null,
): Promise<OutboundMessage[]> {
  // anyone else's file is not even downloaded
  const s = p && scope(p);
  if (!p || !s) return [t.say('forbidden', { what: '发送团体申请表对账', who: '办事处经办人或管理员' })];
  const tooLarge = () => [t.say('admin_file_too_large', { max_mb: MAX_FILE_BYTES / 1024 / 1024 })];
  if (t.msg.size !== undefined && t.msg.size > MAX_FILE_BYTES) return tooLarge();
  let fetched: { bytes: Buffer; name?: string };
  try {
    fetched = await t.msg.fetchFile(MAX_FILE_BYTES);
  } catch (e) {
    if (e instanceof FileTooLargeError) return tooLarge();
    t.deps.log.warn({ err: e, platform: t.msg.platform }, 'an application form could not be downloaded');
    return [t.say('admin_file_download_failed')];
  }
  const name = fileName(t.msg.name, fetched.name, fetched.bytes);
  if (!tableFormat(fetched.bytes, name)) return [t.say('admin_file_type', { name })];
  return applicationReply(t, p, fetched.bytes, name);
}

/** A group application's bytes, downloaded: checked (nothing written), then 对账 with it. */
export async function applicationReply(t: Turn, p: Person, bytes: Buffer, name: string): Promise<OutboundMessage[]> {
  const s = scope(p);
  if (!s) return [t.say('forbidden', { what: '发送团体申请表对账', who: '办事处经办人或管理员' })];
  const form = await t.deps.services.reports.readApplicationForm({ buffer: bytes, fileName: name }, s.officeIds);
  // an officer's file that is not a group application: the imports are the admin's
  if (!form.ok && form.notApplication && !hasRole(p, 'admin')) return [t.say('admin_file_forbidden')];
  if (!form.ok)
    return [
      t.say('admin_file_errors', {
        name,
        label: '团体申请表',
        total: form.issues.length,
        issues: form.issues.slice(0, ERRORS_SHOWN).map(issueText),
        more: Math.max(0, form.issues.length - ERRORS_SHOWN),
      }),
    ];
  return reconcileReply(t, p, form.lines);
}

export async function reconcileReply(
  t: Turn,
  p: Person,
  application?: { unitId: number; persons: number; amountFen: number | null }[],
): Promise<OutboundMessage[]> {
  const s = scope(p);
  if (!s) return [t.say('forbidden', { what: '对账', who: '办事处经办人或管理员' })];
  const { services } = t.deps;
  const period = await services.periods.currentPeriod();
  const today = shanghaiDate(t.deps.now());
  const r = await services.reports.reconciliationReport(period, s.officeIds, application);
  const applied = r.units.filter((u) => u.application);
  const differing = applied.filter((u) => u.differences.length > 0);
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
    application: r.withApplication
      ? {
          units: applied.length,
          agreeing: applied.length - differing.length,
          differing: differing
            .slice(0, UNITS_SHOWN)
            .map((u) => ({ name: u.name, differences: u.differences.join('') })),
          more: Math.max(0, differing.length - UNITS_SHOWN),
        }
      : null,
  });
  return [
    text,
    {
      kind: 'file',
      bytes: await services.reports.reconciliationWorkbook(r, period.name),
      name: `互助金对账-${today}.xlsx`,
    },
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
  const period = await t.deps.services.periods.currentPeriod();
  const { report, bytes } = await t.deps.services.reports.yearReportWorkbook(period, y, s.name, s.officeIds);
  return [
    t.say('year_report_done', { year: y, office: s.name, period: period.name, r: report }),
    { kind: 'file', bytes, name: `${y}年度运行情况统计表.xlsx` },
  ];
}
