/**
 * The passive answer to a card click that redraws the clicker's card (doc 90241 被动回复消息格式, 模板卡片更新消息 →
 * 更新点击用户的整张卡片, developer.work.weixin.qq.com/document/path/90241): `MsgType` update_template_card with the
 * card in `<TemplateCard>`, the fields of the JSON template_card (render.ts) written as XML elements.
 * The shape, checked field by field against the public SDKs that build this reply (the doc page's own XML samples
 * were not readable here):
 * - shenghui0779/sdk-go corp/message/reply.go `XMLTemplateCard` and its reply_test.go (the expected XML of a
 *   button_interaction update: `<ButtonList><Text/><Style/><Key/></ButtonList>` repeated, `<HorizontalContentList>
 *   <KeyName/>…` repeated, `<ReplaceText/>`);
 * - silenceper/wechat work/message/template_card_button.go and template_card.go (`TaskId`, `KeyName`, `MediaId`,
 *   `Url`, `SelectedId`; lists as repeated elements).
 * So: a list is its element repeated, without a wrapper; names are PascalCase with `Id` and `Url` as words. The JSON
 * keys without an underscore that hold two words are named explicitly (keyname → KeyName, userid → UserId, appid →
 * AppId, pagepath → PagePath): a plain first-letter capital (`Keyname`) is not what WeCom reads. The local WeCom
 * server reads exactly this shape and refuses any other (src/local/wecom/passive-card-schema.ts).
 * It changes only the clicking user's copy, and uses no response_code (that stays for the other copies).
 */
import { cdata } from './xml.js';

/** JSON keys whose XML name is not their snake_case parts capitalised */
const NAMES: Record<string, string> = { keyname: 'KeyName', userid: 'UserId', appid: 'AppId', pagepath: 'PagePath' };

const xmlName = (key: string) =>
  NAMES[key] ??
  key
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');

function element(name: string, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((item) => element(name, item)).join('');
  if (typeof v === 'object')
    return `<${name}>${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => element(xmlName(k), x))
      .join('')}</${name}>`;
  return `<${name}>${typeof v === 'number' || typeof v === 'boolean' ? String(v) : cdata(String(v))}</${name}>`;
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
