/**
 * OutboundMessage → WeCom JSON pieces (WECOM.md §4, §6): byte limits, template cards, markdown for chats where
 * cards cannot go.
 */
import type { Card } from '../../core/messages.js';
import { WecomInputError } from './errors.js';

/** text and markdown on message/send and appchat/send */
export const APP_TEXT_MAX_BYTES = 2048;
/** markdown on the group robot */
export const ROBOT_MARKDOWN_MAX_BYTES = 4096;
export const TASK_ID = /^[A-Za-z0-9_\-@]{1,128}$/;
/** characters of a horizontal_content_list value a card line shows */
const FIELD_VALUE_MAX = 30;
/** template_card jump_list: at most 3 links (WECOM.md, doc 90236) */
const JUMP_LIST_MAX = 3;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Splits text into pieces of at most maxBytes UTF-8 bytes, at line breaks where possible, never inside a
 * character; nothing is dropped (WeCom would silently truncate).
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (bytes(text) <= maxBytes) return [text];
  const out: string[] = [];
  let cur = '';
  const flush = () => {
    if (cur !== '') out.push(cur);
    cur = '';
  };
  for (const line of text.split('\n')) {
    const candidate = cur === '' ? line : `${cur}\n${line}`;
    if (bytes(candidate) <= maxBytes) {
      cur = candidate;
      continue;
    }
    flush();
    if (bytes(line) <= maxBytes) {
      cur = line;
      continue;
    }
    for (const ch of line) {
      if (bytes(cur + ch) > maxBytes) flush();
      cur += ch;
    }
  }
  flush();
  return out.length ? out : [''];
}

const clip = (s: string, chars: number) => ([...s].length > chars ? `${[...s].slice(0, chars - 1).join('')}…` : s);

const STYLE = { primary: 1, default: 2, danger: 3 } as const;

export function checkTaskId(id: string): void {
  if (!TASK_ID.test(id)) throw new WecomInputError('card id must be 1..128 of [A-Za-z0-9_-@] (WeCom task_id)');
}

export interface RenderOptions {
  /** where a text_notice card leads when tapped (card_action is required) */
  publicUrl?: string;
}

/**
 * A Card as template_card: button_interaction when it has buttons (final state: the same buttons greyed under
 * replace_text), otherwise text_notice.
 */
export function renderTemplateCard(card: Card, opts: RenderOptions = {}): Record<string, unknown> {
  checkTaskId(card.id);
  // a value longer than a horizontal line holds (30 characters) goes whole into the sub-title, with the fields
  // beyond the sixth, rather than being cut where the officer cannot read the rest
  const fits = (f: { value: string }) => [...f.value].length <= FIELD_VALUE_MAX;
  const shown = card.fields.filter(fits).slice(0, 6);
  const overflow = card.fields.filter((f) => !shown.includes(f));
  const subTitle = [
    card.description,
    ...overflow.map((f) => `${f.label}：${f.value}`),
    card.buttons.length ? undefined : card.finalText,
  ]
    .filter((s): s is string => Boolean(s))
    .join('\n');
  const common: Record<string, unknown> = {
    task_id: card.id,
    main_title: { title: clip(card.title, 36) },
    ...(subTitle ? { sub_title_text: clip(subTitle, 160) } : {}),
    ...(card.emphasis
      ? { emphasis_content: { title: clip(card.emphasis.title, 20), desc: clip(card.emphasis.desc, 20) } }
      : {}),
    ...(shown.length
      ? {
          horizontal_content_list: shown.map((f) => ({
            type: 0,
            keyname: f.label,
            value: clip(f.value, FIELD_VALUE_MAX),
          })),
        }
      : {}),
    ...(card.links?.length
      ? { jump_list: jumpLinks(card).map((l) => ({ type: 1, title: clip(l.text, 13), url: l.url })) }
      : {}),
  };
  if (card.buttons.length === 0)
    return {
      card_type: 'text_notice',
      ...common,
      card_action: { type: 1, url: opts.publicUrl ?? 'https://work.weixin.qq.com/' },
    };
  return {
    card_type: 'button_interaction',
    ...common,
    button_list: card.buttons
      .slice(0, 6)
      .map((b) => ({ text: clip(b.text, 10), style: STYLE[b.style ?? 'primary'], key: b.key })),
    ...(card.finalText ? { replace_text: card.finalText } : {}),
  };
}

/**
 * A template card's jump_list holds at most JUMP_LIST_MAX links (WECOM.md): with more documents than that, the
 * last place goes to the page listing them all, so every document stays reachable from the card.
 */
function jumpLinks(card: Card): { text: string; url: string }[] {
  const links = card.links ?? [];
  if (links.length <= JUMP_LIST_MAX || !card.linksIndex) return links.slice(0, JUMP_LIST_MAX);
  return [...links.slice(0, JUMP_LIST_MAX - 1), card.linksIndex];
}

/** A Card for a group chat (appchat has no template_card): markdown, with its final state or a pointer to the app. */
export function renderCardMarkdown(card: Card): string {
  const lines = [`**${card.title}**`];
  if (card.description) lines.push(`> ${card.description}`);
  if (card.emphasis) lines.push(`**${card.emphasis.title}** ${card.emphasis.desc}`);
  for (const f of card.fields) lines.push(`${f.label}：${f.value}`);
  for (const l of card.links ?? []) lines.push(`[${l.text}](${l.url})`);
  if (card.finalText) lines.push(`<font color="comment">${card.finalText}</font>`);
  else if (card.buttons.length)
    lines.push(`<font color="comment">请在应用内操作：${card.buttons.map((b) => b.text).join(' / ')}</font>`);
  return lines.join('\n');
}
