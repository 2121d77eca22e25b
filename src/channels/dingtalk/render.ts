/**
 * OutboundMessage in DingTalk's shapes: robot msgKey/msgParam for the batch and group sends (DINGTALK.md §4,
 * https://open.dingtalk.com/document/orgapp/types-of-messages-sent-by-robots), the sessionWebhook body (§1), and
 * the cardParamMap of the approval card template (templates/dingtalk/approval-card.json; every value a string).
 */
import type { Card } from '../../core/messages.js';

/** group send: msgParam ≤ 15 000 bytes (HD:the-robot-sends-a-group-message); applied to every send */
export const MSG_PARAM_MAX_BYTES = 15_000;
/** the template has three button slots */
export const CARD_BUTTONS_MAX = 3;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Splits text at line ends (a line too long at characters) so that each part's encoding fits `max` bytes. */
export function splitToFit(text: string, max: number, encoded: (part: string) => string): string[] {
  const fits = (s: string) => bytes(encoded(s)) <= max;
  if (fits(text)) return [text];
  const parts: string[] = [];
  let cur = '';
  const push = () => {
    if (cur) parts.push(cur);
    cur = '';
  };
  for (const line of text.split('\n')) {
    const next = cur ? `${cur}\n${line}` : line;
    if (fits(next)) {
      cur = next;
      continue;
    }
    push();
    if (fits(line)) {
      cur = line;
      continue;
    }
    for (const ch of line) {
      if (fits(cur + ch)) cur += ch;
      else {
        push();
        cur = ch;
      }
    }
  }
  push();
  return parts;
}

export interface RobotMsg {
  msgKey: 'sampleText' | 'sampleMarkdown' | 'sampleImageMsg' | 'sampleFile';
  msgParam: string;
}

/** a markdown title shows in the chat list: the first line without its # marks */
export function markdownTitle(text: string): string {
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  return (
    first
      .replace(/^#+\s*/, '')
      .replace(/[*_`>]/g, '')
      .trim()
      .slice(0, 30) || '消息'
  );
}

export function textMsgs(text: string): RobotMsg[] {
  return splitToFit(text, MSG_PARAM_MAX_BYTES, (c) => JSON.stringify({ content: c })).map((content) => ({
    msgKey: 'sampleText',
    msgParam: JSON.stringify({ content }),
  }));
}

export function markdownMsgs(text: string): RobotMsg[] {
  const title = markdownTitle(text);
  return splitToFit(text, MSG_PARAM_MAX_BYTES - 200, (c) => JSON.stringify({ title, text: c })).map((part) => ({
    msgKey: 'sampleMarkdown',
    msgParam: JSON.stringify({ title, text: part }),
  }));
}

/** photoURL with the media_id of an upload (DINGTALK.md §4 Images: accepted in markdown; as photoURL unconfirmed) */
export function imageMsg(mediaId: string): RobotMsg {
  return { msgKey: 'sampleImageMsg', msgParam: JSON.stringify({ photoURL: mediaId }) };
}

/** a file by the media_id of an oapi upload (type=file); fileType is the extension (DINGTALK.md §4: sampleFile) */
export function fileMsg(mediaId: string, fileName: string): RobotMsg {
  const fileType = fileName.includes('.') ? (fileName.split('.').pop() ?? 'file').toLowerCase() : 'file';
  return { msgKey: 'sampleFile', msgParam: JSON.stringify({ mediaId, fileName, fileType }) };
}

/** the sessionWebhook takes the custom-robot body: text and markdown (developerpedia docs/learn/bot/appbot/reply.md) */
export function webhookBodies(kind: 'text' | 'markdown', text: string, atUserId?: string): Record<string, unknown>[] {
  const at = atUserId ? { at: { atUserIds: [atUserId] } } : {};
  if (kind === 'text')
    return splitToFit(text, MSG_PARAM_MAX_BYTES, (c) => JSON.stringify({ content: c })).map((content) => ({
      msgtype: 'text',
      text: { content },
      ...at,
    }));
  const title = markdownTitle(text);
  return splitToFit(text, MSG_PARAM_MAX_BYTES - 200, (c) => JSON.stringify({ title, text: c })).map((part) => ({
    msgtype: 'markdown',
    markdown: { title, text: part },
    ...at,
  }));
}

/** the card's public data: every value a string, lists as JSON (dingtalk-card-examples convertJSONValuesToString) */
export function cardParamMap(card: Card): Record<string, string> {
  const buttons = card.finalText ? [] : card.buttons.slice(0, CARD_BUTTONS_MAX);
  const map: Record<string, string> = {
    title: card.title,
    description: card.description ?? '',
    emphasisTitle: card.emphasis?.title ?? '',
    emphasisDesc: card.emphasis?.desc ?? '',
    fields: JSON.stringify(card.fields),
    fieldsMarkdown: card.fields.map((f) => `**${f.label}**：${f.value}`).join('\n\n'),
    links: JSON.stringify(card.links ?? []),
    linksMarkdown: (card.links ?? []).map((l) => `[${l.text}](${l.url})`).join('　'),
    status: card.finalText ? 'done' : 'pending',
    finalText: card.finalText ?? '',
    buttons: JSON.stringify(buttons.map((b) => ({ key: b.key, text: b.text, style: b.style ?? 'default' }))),
  };
  for (let i = 0; i < CARD_BUTTONS_MAX; i++) {
    const b = buttons[i];
    map[`btn${i + 1}Key`] = b?.key ?? '';
    map[`btn${i + 1}Text`] = b?.text ?? '';
    map[`btn${i + 1}Show`] = b ? 'true' : 'false';
  }
  return map;
}

/** the card as text, for recipients that cannot show the card (and for logs) */
export function cardMarkdown(card: Card): string {
  const lines = [`### ${card.title}`];
  if (card.description) lines.push(card.description);
  if (card.emphasis) lines.push(`**${card.emphasis.title}** ${card.emphasis.desc}`);
  for (const f of card.fields) lines.push(`- ${f.label}：${f.value}`);
  if (card.finalText) lines.push(`> ${card.finalText}`);
  return lines.join('\n\n');
}
