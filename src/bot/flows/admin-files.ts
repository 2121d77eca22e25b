/**
 * The admin's desk in chat (issue #15, item 2): an admin sends the office's XLSX (组织、人员、期次、名册、缴费清单)
 * as a file message; the bot recognises its kind from its content (the header row; the name only breaks ties, so a
 * nameless WeCom file is read like a named one), checks it (nothing written) and answers
 * with the row errors or with a summary card (确认导入 / 取消). Only the same admin's 确认导入 writes it, once
 * (the pending file is taken atomically from the shared store, read back through zod), all or nothing and
 * audited. A 团体申请表 goes to 对账 (reports.ts). 导出进度表 and 导出名册 <单位> answer with the XLSX itself.
 */
import { z } from 'zod';
import { type Card, FileTooLargeError, type InboundMessage, type OutboundMessage } from '../../core/messages.js';
import { shanghaiDate, shanghaiStamp } from '../../rules/index.js';
import { CHAT_FILE_LABEL, type ChatFileCheck, type ChatFileSummary } from '../../services/chat-files.js';
import type { ChatFileRequest } from '../../services/index.js';
import { hasRole, type Person, rolesOf } from '../../services/people.js';
import type { PeriodWithPolicy } from '../../services/periods.js';
import { tableFormat } from '../../services/programme/table.js';
import type { Turn } from '../context.js';
import type { ExportCommand } from '../nlu/commands.js';
import { parseStored } from '../stored.js';
import { fileName, MAX_FILE_BYTES } from './chat-file.js';
import { applicationReply } from './reports.js';

export { MAX_FILE_BYTES } from './chat-file.js';

const PENDING_TTL_MS = 30 * 60_000;
/** row errors shown in one answer; the total is always said */
const ERRORS_SHOWN = 20;
const DETAILS_SHOWN = 5;

export const ADMIN_FILE_ACTION = /^adminfile:(apply|cancel):([A-Za-z0-9_-]{1,100})$/;

const Kind = z.enum(['organisations', 'people', 'period', 'roster', 'remittance']);
/** what waits between the card and the click: the file itself, so the click checks and writes the same bytes */
const Pending = z.object({
  id: z.string().min(1),
  memberId: z.number().int(),
  name: z.string().min(1),
  kind: Kind,
  unitCode: z.string().optional(),
  base64: z.string(),
  summary: z.object({ created: z.number(), changed: z.number(), unchanged: z.number() }),
});
type Pending = z.infer<typeof Pending>;

const pendingKey = (id: string) => `adminfile:pending:${id}`;

export function isAdminFileAction(action: string): boolean {
  return ADMIN_FILE_ACTION.test(action);
}

function errorsReply(t: Turn, name: string, r: Exclude<ChatFileCheck, { ok: true }>): OutboundMessage[] {
  if ('needUnit' in r) return [t.say('admin_file_roster_unit', { name })];
  if ('application' in r) return [t.say('admin_file_type', { name })];
  return [
    t.say('admin_file_errors', {
      name,
      label: r.kind ? CHAT_FILE_LABEL[r.kind] : '',
      total: r.problems.length,
      issues: r.problems.slice(0, ERRORS_SHOWN),
      more: Math.max(0, r.problems.length - ERRORS_SHOWN),
    }),
  ];
}

function confirmCard(t: Turn, p: Pending, details: string[], finalText?: string): Card {
  return t.deps.templates.card(
    'admin_file_confirm',
    {
      name: p.name,
      label: CHAT_FILE_LABEL[p.kind],
      created: p.summary.created,
      changed: p.summary.changed,
      unchanged: p.summary.unchanged,
      roster: p.kind === 'roster',
      unit: p.unitCode ?? '',
      details: details.slice(0, DETAILS_SHOWN).join('；'),
    },
    {
      id: p.id,
      buttons: [
        { key: `adminfile:apply:${p.id}`, text: '确认导入', style: 'primary' },
        { key: `adminfile:cancel:${p.id}`, text: '取消', style: 'default' },
      ],
      ...(finalText ? { finalText } : {}),
    },
  );
}

function fileInput(t: Turn, bytes: Buffer, name: string, period: PeriodWithPolicy): ChatFileRequest {
  return {
    bytes,
    name,
    period,
    platforms: t.deps.platforms ?? t.deps.outbox.platforms().map((n) => ({ name: n, label: n })),
    hashKey: t.deps.hashKey,
  };
}

/** A file message: admins only; checked, never written here. */
export async function onFileMessage(t: Turn & { msg: InboundMessage & { kind: 'file' } }, p: Person | null) {
  // a non-admin's file is not even downloaded
  if (!p || !hasRole(p, 'admin')) return [t.say('admin_file_forbidden')];
  if (t.msg.size !== undefined && t.msg.size > MAX_FILE_BYTES)
    return [t.say('admin_file_too_large', { max_mb: MAX_FILE_BYTES / 1024 / 1024 })];
  let fetched: { bytes: Buffer; name?: string };
  try {
    fetched = await t.msg.fetchFile(MAX_FILE_BYTES);
  } catch (e) {
    if (e instanceof FileTooLargeError)
      return [t.say('admin_file_too_large', { max_mb: MAX_FILE_BYTES / 1024 / 1024 })];
    t.deps.log.warn({ err: e, platform: t.msg.platform }, 'a file message could not be downloaded');
    return [t.say('admin_file_download_failed')];
  }
  const name = fileName(t.msg.name, fetched.name, fetched.bytes);
  if (!tableFormat(fetched.bytes, name)) return [t.say('admin_file_type', { name })];
  const period = await t.deps.services.periods.currentPeriod();
  const r = await t.deps.services.chatFiles.checkChatFile(fileInput(t, fetched.bytes, name, period));
  // a group application is read for 对账, whatever it is called
  if (!r.ok && 'application' in r) return applicationReply(t, p, fetched.bytes, name);
  if (!r.ok) return errorsReply(t, name, r);
  const s: ChatFileSummary = r.summary;
  const id = `adminfile-${t.deps.now().getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const pending: Pending = {
    id,
    memberId: p.memberId,
    name,
    kind: s.kind,
    ...(s.unitCode ? { unitCode: s.unitCode } : {}),
    base64: fetched.bytes.toString('base64'),
    summary: { created: s.created, changed: s.changed, unchanged: s.unchanged },
  };
  await t.deps.store.set(pendingKey(id), JSON.stringify(pending), PENDING_TTL_MS);
  return [{ kind: 'card', card: confirmCard(t, pending, s.details) } satisfies OutboundMessage];
}

/** A click on 确认导入 / 取消. */
export async function onAdminFileClick(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
): Promise<OutboundMessage[]> {
  const m = ADMIN_FILE_ACTION.exec(t.msg.action);
  const p = t.person;
  if (!m || !p) return [t.say('card_unknown')];
  const [, action, id] = m as unknown as [string, 'apply' | 'cancel', string];
  const seen = parseStored(Pending, await t.deps.store.get(pendingKey(id)), 'adminfile', t.deps.log);
  if (!seen) return [t.say('admin_file_expired')];
  if (seen.memberId !== p.memberId || !hasRole(p, 'admin'))
    return [t.say('forbidden', { what: '确认他人发送的文件', who: '发送文件的管理员本人' })];
  // take it atomically: of two clicks (or two instances) exactly one gets the file
  let taken: string | null = null;
  await t.deps.store.update(
    pendingKey(id),
    (current) => {
      taken = current;
      return null;
    },
    PENDING_TTL_MS,
  );
  const pending = parseStored(Pending, taken, 'adminfile', t.deps.log);
  if (!pending) return [t.say('admin_file_expired')];

  const stamp = shanghaiStamp(t.deps.now());
  const actor = `${t.msg.platform}:${t.msg.userId}`;
  const label = CHAT_FILE_LABEL[pending.kind];
  if (action === 'cancel') {
    await t.deps.services.audit.audit(actor, 'adminfile.cancelled', 'File', id, {
      name: pending.name,
      kind: pending.kind,
    });
    await updateCard(t, pending, { state: 'cancelled', by: p.name, at: stamp });
    return [t.say('admin_file_cancelled', { name: pending.name, label })];
  }
  const period = await t.deps.services.periods.currentPeriod();
  const r = await t.deps.services.chatFiles.applyChatFile({
    ...fileInput(t, Buffer.from(pending.base64, 'base64'), pending.name, period),
    kind: pending.kind,
    ...(pending.unitCode ? { unitCode: pending.unitCode } : {}),
    actor,
  });
  if (!r.ok) {
    // the data changed since the check (another import): nothing was written, the admin sees why
    await updateCard(t, pending, { state: 'stale', at: stamp });
    return errorsReply(t, pending.name, r);
  }
  await t.deps.services.audit.audit(actor, 'adminfile.applied', 'File', id, {
    name: pending.name,
    kind: pending.kind,
    created: r.summary.created,
    changed: r.summary.changed,
    unchanged: r.summary.unchanged,
  });
  await updateCard(t, pending, { state: 'applied', by: p.name, at: stamp });
  return [t.say('admin_file_applied', { name: pending.name, label, ...r.summary })];
}

/** the card's final state, in templates/text/admin_file_card_state.liquid */
type CardState = { state: 'applied' | 'cancelled'; by: string; at: string } | { state: 'stale'; at: string };

async function updateCard(t: Turn & { msg: InboundMessage & { kind: 'card_click' } }, p: Pending, state: CardState) {
  const finalText = t.deps.templates.render('admin_file_card_state', state);
  try {
    await t.deps.outbox.updateCard(
      t.msg.platform,
      { cardId: p.id, ...(t.msg.responseCode ? { responseCode: t.msg.responseCode } : {}), userIds: [t.msg.userId] },
      { kind: 'card', card: confirmCard(t, p, [], finalText) },
    );
  } catch (e) {
    t.deps.log.warn({ err: e, cardId: p.id }, 'file import card update failed');
  }
}

/** 导出进度表 / 导出名册 <单位>: the XLSX as a file message (admins; officers for their office). */
export async function exportReply(t: Turn, p: Person, cmd: ExportCommand): Promise<OutboundMessage[]> {
  const admin = hasRole(p, 'admin');
  const officeIds = rolesOf(p, 'officer').map((r) => r.orgId);
  if (!admin && officeIds.length === 0) return [t.say('forbidden', { what: '导出表格', who: '管理员或办事处经办人' })];
  const period = await t.deps.services.periods.currentPeriod();
  const today = shanghaiDate(t.deps.now());
  if (cmd.what === 'progress') {
    const bytes = await t.deps.services.chatFiles.progressWorkbook(period, today);
    return [
      t.say('export_progress_done', { today }),
      { kind: 'file', bytes, name: `医疗互助工作进度表-${today}.xlsx` },
    ];
  }
  if (!cmd.unit) return [t.say('export_roster_need_unit')];
  const r = await t.deps.services.chatFiles.rosterWorkbook(period, cmd.unit, { admin, officeIds });
  if (!r.ok)
    return r.reason === 'no_unit'
      ? [t.say('export_roster_no_unit', { unit: cmd.unit })]
      : [t.say('forbidden', { what: '导出其他办事处的名册', who: '管理员或该办事处的经办人' })];
  return [
    t.say('export_roster_done', { unit: r.unitName, rows: r.rows }),
    { kind: 'file', bytes: r.bytes, name: `参互人员名册-${r.unitCode}-${today}.xlsx` },
  ];
}
