/**
 * What the local WeCom server checks in a message body, as WeCom does (WECOM.md §4, §6). Each check answers the
 * errcode WeCom answers, or 40058 (invalid parameter, naming the field) where no specific code is documented.
 */
import { TASK_ID } from '../../channels/wecom/render.js';

export interface Rejection {
  errcode: number;
  errmsg: string;
}

const reject = (errcode: number, errmsg: string): Rejection => ({ errcode, errmsg });
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const CARD_TYPES = [
  'text_notice',
  'news_notice',
  'button_interaction',
  'vote_interaction',
  'multiple_interaction',
] as const;
export const INTERACTIVE = new Set(['button_interaction', 'vote_interaction', 'multiple_interaction']);

export function checkContent(
  body: Record<string, unknown>,
  msgtype: 'text' | 'markdown',
  maxBytes: number,
): Rejection | null {
  const content = str(obj(body[msgtype])?.content);
  if (!content) return reject(44004, `${msgtype}.content is empty`);
  if (bytes(content) > maxBytes)
    return reject(40058, `${msgtype}.content exceed max length ${maxBytes}. invalid Request Parameter`);
  return null;
}

/** a template_card as sent (mode 'send') or as the replacement in an update (task_id not required there) */
export function checkTemplateCard(
  card: unknown,
  mode: 'send' | 'update',
  taskIdTaken: (id: string) => boolean,
): Rejection | null {
  const c = obj(card);
  if (!c) return reject(40058, 'template_card is required');
  const type = str(c.card_type);
  if (!type || !(CARD_TYPES as readonly string[]).includes(type))
    return reject(40058, 'template_card.card_type invalid');
  const taskId = str(c.task_id);
  const needsTask = INTERACTIVE.has(type) || c.action_menu !== undefined;
  if (mode === 'send') {
    if (needsTask && !taskId) return reject(40058, 'template_card.task_id is required');
    if (taskId !== undefined && !TASK_ID.test(taskId))
      return reject(40058, 'template_card.task_id invalid: [0-9a-zA-Z_-@], at most 128 bytes');
    if (taskId && taskIdTaken(taskId)) return reject(40058, 'template_card.task_id duplicated');
  }
  const title = str(obj(c.main_title)?.title) ?? '';
  if (type === 'text_notice') {
    const action = obj(c.card_action);
    if (!action) return reject(40058, 'template_card.card_action is required');
    if (action.type === 1 && !str(action.url)) return reject(40058, 'template_card.card_action.url is required');
    if (!title && !str(c.sub_title_text))
      return reject(40058, 'template_card main_title.title and sub_title_text both empty');
  }
  if (type === 'button_interaction') {
    if (!title) return reject(40058, 'template_card.main_title.title is required');
    const buttons = c.button_list;
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 6)
      return reject(40058, 'template_card.button_list must hold 1..6 buttons');
    const keys = new Set<string>();
    for (const b of buttons) {
      const o = obj(b);
      if (!o || !str(o.text)) return reject(40058, 'template_card.button_list.text is required');
      if ((o.type ?? 0) === 0) {
        const key = str(o.key);
        if (!key) return reject(40058, 'template_card.button_list.key is required');
        if (bytes(key) > 1024) return reject(40058, 'template_card.button_list.key exceed max length 1024');
        if (keys.has(key)) return reject(40058, 'template_card.button_list.key duplicated');
        keys.add(key);
      }
      if (o.style !== undefined && ![1, 2, 3, 4].includes(o.style as number))
        return reject(40058, 'template_card.button_list.style invalid');
    }
  }
  const hz = c.horizontal_content_list;
  if (hz !== undefined && (!Array.isArray(hz) || hz.length > 6))
    return reject(40058, 'template_card.horizontal_content_list at most 6');
  const jumps = c.jump_list;
  if (jumps !== undefined && (!Array.isArray(jumps) || jumps.length > 3))
    return reject(40058, 'template_card.jump_list at most 3');
  return null;
}

/** the recipients of message/send: "u1|u2" lists, not all empty, within WeCom's counts */
export function checkRecipients(body: Record<string, unknown>): Rejection | null {
  const list = (k: 'touser' | 'toparty' | 'totag') => (str(body[k]) ?? '').split('|').filter(Boolean);
  const [users, parties, tags] = [list('touser'), list('toparty'), list('totag')];
  if (users.length + parties.length + tags.length === 0) return reject(81013, 'user & party & tag all invalid');
  if (users.length > 1000) return reject(40032, 'invalid userid list size');
  if (parties.length > 100) return reject(82002, 'invalid partyid list size');
  if (tags.length > 100) return reject(82003, 'invalid tagid list size');
  return null;
}
