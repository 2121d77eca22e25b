/**
 * The passive answer to a card click that redraws the clicker's card (doc 90241 被动回复消息格式, 模板卡片更新消息 →
 * 更新点击用户的整张卡片): `MsgType` update_template_card with the card in `<TemplateCard>`, the fields of the JSON
 * template_card (render.ts) written as XML elements in PascalCase (task_id → TaskId, main_title → MainTitle).
 * A list is written as its element repeated, as the Go SDK that sends it does (`ButtonList []ButtonItem
 * xml:"ButtonList"`); WECOM.md §2 notes this shape was not re-checked against the page itself. It changes only the
 * clicking user's copy, and uses no response_code (that stays for the other copies).
 */
import { cdata } from './xml.js';

const pascal = (key: string) =>
  key
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

function element(name: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((item) => element(name, item)).join('');
  if (typeof v === 'object')
    return `<${name}>${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => element(pascal(k), x))
      .join('')}</${name}>`;
  return `<${name}>${typeof v === 'number' ? String(v) : cdata(String(v))}</${name}>`;
}

/** The plaintext `<xml>` of the passive card update (sealed by the caller like any passive reply). */
export function passiveCardXml(
  head: { ToUserName: string; FromUserName: string; CreateTime: number },
  templateCard: Record<string, unknown>,
): string {
  return `<xml>${element('ToUserName', head.ToUserName)}${element('FromUserName', head.FromUserName)}${element(
    'CreateTime',
    head.CreateTime,
  )}${element('MsgType', 'update_template_card')}${element('TemplateCard', templateCard)}</xml>`;
}

const snake = (key: string) => key.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();

/**
 * The JSON template_card back from the parsed XML (what WeCom's client draws; the local server and tests read it).
 * `lists` names the fields that are lists, since one repeated element parses as a single object.
 */
export function templateCardFromXml(
  x: Record<string, unknown>,
  lists: readonly string[] = ['horizontal_content_list', 'jump_list', 'button_list', 'vertical_content_list'],
): Record<string, unknown> {
  const conv = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(conv);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, y]) => [snake(k), conv(y)]));
    return v;
  };
  const out = conv(x) as Record<string, unknown>;
  for (const l of lists) if (out[l] !== undefined && !Array.isArray(out[l])) out[l] = [out[l]];
  // numbers come back as strings from the XML parser: the fields that are numbers in the JSON shape
  for (const l of ['horizontal_content_list', 'jump_list', 'button_list'])
    for (const item of (out[l] as Record<string, unknown>[] | undefined) ?? [])
      for (const k of ['type', 'style']) if (typeof item[k] === 'string') item[k] = Number(item[k]);
  if (out.card_action && typeof out.card_action === 'object') {
    const a = out.card_action as Record<string, unknown>;
    if (typeof a.type === 'string') a.type = Number(a.type);
  }
  return out;
}
