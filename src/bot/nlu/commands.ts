/**
 * Commands whose slots must be exact are recognised by rules, before the classifier and in one place:
 * 代绑 <userid> <姓名> <后4位>, 已支付 12,13 / 全部已支付, 已批未付, 发布通知 <内容>, and the bare answers
 * (a number, an amount, a date, 是/确认) that only mean something inside a form. A short 取消/算了 is a cancel.
 * Pure: the original text in, an intent and its command slots out, or null.
 */

import { must } from '../../core/must.js';
import { fold, toKey } from '../normalise.js';

export interface ProxyBind {
  userId: string;
  name: string;
  last4: string;
}

export type CommandHit =
  | { intent: 'proxy_bind'; proxy: ProxyBind }
  | { intent: 'mark_paid'; paid: number[] | 'all' }
  | { intent: 'approved_unpaid' }
  | { intent: 'announce' }
  | { intent: 'cancel' }
  | { intent: 'unknown' };

const PROXY_BIND = /^代绑\s+([A-Za-z0-9_.@-]{1,64})\s+([\p{Script=Han}A-Za-z·]{2,30})\s+([0-9]{3}[0-9Xx])$/u;
const PAID_IDS = /^(?:标记|标为)?(?:已支付|已付款|已付|已打款)\s*((?:#?\d+[\s,，、;；]*)+)$/;
const PAID_ALL = /^(?:全部|都|所有)(?:标记为?|标为)?(?:已|都已)?(?:支付|付款|付|打款)了?$/;
const APPROVED_UNPAID = /^(?:已批未付|待支付|已批准未支付|已批准待支付|批了未付)(?:列表|的|名单)?$/;

/** The announcement command on the key (the more specific 发布通知 family; the classifier knows the rest). */
export const ANNOUNCE_CMD =
  /^(?:请|帮我|麻烦|给我)?(?:发布|群发|发送|发)(?:个|一个|一条|条|一下)?(?:通知|公告)(?!的|了|吗|没|在|怎么|什么|呢)/;

const CANCEL =
  /^(?:帮我|请|给我|我)?(?:先)?(?:取消|算了|不要了|退出|不用了|撤销|撤回|没事了|停止?|cancel|quit|exit|stop|不[报办弄搞做要填申]了|不想[弄办报搞做填申参][^了]{0,3}了|不参加了|不报名了|不申请了)/;
const CANCEL_MAX_KEY = 12;
/** 不参加了退不退钱, 不报了能退吗: a question that starts like a cancel is a question, for the classifier */
const CANCEL_THEN_ASKS = /吗|么|呢|多少|怎么|能不能|能否|可不可以|([退报交参])[不没]\1|钱|费/;

/** 是, 确认, 12000, 1.2万, 3月5日, 2020/12/30, 昨天: answers to a form's question, no intent of their own. */
const ANSWER =
  /^(?:是|是的|对|对的|对对对?|确认|确定|确认提交|不是|否|[\d.,，、/\-年月日号元块万千百¥#\s]+|[零一二两三四五六七八九十百千万]+[元块万千]?[零一二两三四五六七八九十]*|(?:大?前|昨|今|明)天|上?周[一二三四五六日天]|[零一二三四五六七八九十]+月[零一二三四五六七八九十]+[日号])$/;

/** A command with its slots is short; a longer text can only be an announcement (its body may be long). */
const MAX_COMMAND = 120;

export function command(text: string): CommandHit | null {
  if (text.length > MAX_COMMAND) return ANNOUNCE_CMD.test(toKey(text)) ? { intent: 'announce' } : null;
  const t = fold(text).trim();
  const proxy = PROXY_BIND.exec(text.trim());
  if (proxy)
    return {
      intent: 'proxy_bind',
      proxy: {
        userId: must(proxy[1], 'PROXY_BIND group 1'),
        name: must(proxy[2], 'PROXY_BIND group 2'),
        last4: must(proxy[3], 'PROXY_BIND group 3').toUpperCase(),
      },
    };
  const ids = PAID_IDS.exec(t);
  if (ids)
    return {
      intent: 'mark_paid',
      paid: [...must(ids[1], 'PAID_IDS group 1').matchAll(/\d+/g)].map((m) => Number(m[0])),
    };
  const key = toKey(t);
  if (PAID_ALL.test(key)) return { intent: 'mark_paid', paid: 'all' };
  if (APPROVED_UNPAID.test(key)) return { intent: 'approved_unpaid' };
  if (ANNOUNCE_CMD.test(key)) return { intent: 'announce' };
  if (key.length > 0 && key.length <= CANCEL_MAX_KEY && CANCEL.test(key) && !CANCEL_THEN_ASKS.test(key))
    return { intent: 'cancel' };
  if (key.length > 0 && ANSWER.test(t.replace(/\s+/g, ''))) return { intent: 'unknown' };
  return null;
}

/** The announcement's text: what follows the command head, cut from the original (fold keeps the positions). */
const ANNOUNCE_PREFIX =
  /^[\s【[（(]*(?:请|帮我|麻烦|给我)?\s*(?:发布|群发|发送|发)\s*(?:个|一个|一条|条|一下)?\s*(?:通知|公告)\s*[】\]）)]?[\s:：,，、。.\-—~～!！]*/;
/** Any other head: up to 14 characters before the first colon, comma or space (通知大家：…, 广播一下：…). */
const OTHER_HEAD = /^[\s【[（(]*[^\s:：,，]{1,14}?[】\]）)]?[\s:：,，]+(?:内容[是为]?[:：]?)?/;

export function announceText(text: string): string | undefined {
  const folded = fold(text);
  const m = ANNOUNCE_PREFIX.exec(folded) ?? OTHER_HEAD.exec(folded);
  const rest = (m ? text.slice(m[0].length) : '').trim();
  return rest.length > 0 ? rest : undefined;
}

/** The admin's exports, exact commands: 导出进度表, 导出名册 <单位编码或全称>. */
export type ExportCommand = { what: 'progress' } | { what: 'roster'; unit: string };

const EXPORT_PROGRESS = /^(?:导出|下载)(?:工作)?进度表$/;
const EXPORT_ROSTER = /^(?:导出|下载)(?:参互人员)?名册(?:\s+|[:：]\s*)?(.*)$/;

export function exportCommand(text: string): ExportCommand | null {
  const t = text.trim();
  if (t.length > MAX_COMMAND) return null;
  // the head is matched on the folded key; the unit is kept as typed (a unit's name is data)
  const folded = fold(t);
  if (EXPORT_PROGRESS.test(folded.replace(/\s+/g, ''))) return { what: 'progress' };
  const roster = EXPORT_ROSTER.exec(folded);
  if (roster)
    return { what: 'roster', unit: t.slice(t.length - must(roster[1], 'EXPORT_ROSTER group 1').length).trim() };
  return null;
}

// ---- the words that steer a conversation --------------------------------------------------------------------
// Not intents: they act on the form in progress (取消, 继续), start a flow by its exact head (补材料 #12, 导出名册 …)
// or catch a 代绑 whose fields are wrong. Matched on the folded text (full-width, traditional), whole message;
// the text itself is passed on as typed. The router (src/bot/bot.ts) decides when each one applies.

/** a form is cancelled by these exact words only: a longer sentence in a form may be its answer */
const FORM_CANCEL = /^(取消|算了|不要了|退出|不办了|cancel)$/i;
const RESUME = /^(继续|接着填|继续填写|继续申请)$/;
const SUPPLEMENT = /^(?:补充材料|补材料|补充)\s*#?(\d+)?$/;
/** 代绑 that the command rule did not take (bare, or a field wrong): its format is shown */
const PROXY_HEAD = /^代绑/;

export type ChatCommand =
  | { kind: 'export'; export: ExportCommand }
  | { kind: 'cancel_form' }
  | { kind: 'resume' }
  /** 补材料 / 补充材料 #12: the claim number when given */
  | { kind: 'supplement'; claimId: number | null }
  | { kind: 'proxy_head' };

export function chatCommand(text: string): ChatCommand | null {
  const exported = exportCommand(text);
  if (exported) return { kind: 'export', export: exported };
  const folded = fold(text.trim());
  if (FORM_CANCEL.test(folded)) return { kind: 'cancel_form' };
  if (RESUME.test(folded)) return { kind: 'resume' };
  const supplement = SUPPLEMENT.exec(folded);
  if (supplement) return { kind: 'supplement', claimId: supplement[1] ? Number(supplement[1]) : null };
  if (PROXY_HEAD.test(folded)) return { kind: 'proxy_head' };
  return null;
}
