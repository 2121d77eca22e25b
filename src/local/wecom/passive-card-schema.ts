/**
 * How WeCom reads the TemplateCard of a passive update_template_card reply (doc 90241 被动回复消息格式 → 模板卡片更新
 * 消息 → 更新点击用户的整张卡片), written here independently of the channel's builder (src/channels/wecom/
 * passive-card.ts), so that a wrong element name fails a test instead of round-tripping through one shared mistake.
 * The element names are those of the public SDKs that build this reply:
 * - shenghui0779/sdk-go corp/message/reply.go (`XMLTemplateCard`), with the expected XML in its reply_test.go;
 * - silenceper/wechat work/message/template_card*.go (`TaskId`, `KeyName`, `Url`, `MediaId`, `SelectedId`).
 * A list is its element repeated (`<ButtonList>…</ButtonList><ButtonList>…</ButtonList>`, no wrapper); names are
 * PascalCase with `Id`/`Url` as words: keyname → KeyName, userid → UserId, appid → AppId, pagepath → PagePath.
 * An element not in this table is refused (WeCom would not draw it), and so is an object where text belongs.
 */

type Kind = 'text' | 'number' | 'bool' | { obj: Schema } | { list: Schema };
/** XML element name → [JSON field of template_card, what it holds] */
type Schema = Record<string, readonly [string, Kind]>;

const LINK: Schema = {
  Type: ['type', 'number'],
  Url: ['url', 'text'],
  AppId: ['appid', 'text'],
  PagePath: ['pagepath', 'text'],
};
const OPTION: Schema = { Id: ['id', 'text'], Text: ['text', 'text'] };
const SELECTION: Schema = {
  QuestionKey: ['question_key', 'text'],
  Title: ['title', 'text'],
  OptionList: ['option_list', { list: OPTION }],
  SelectedId: ['selected_id', 'text'],
  Disable: ['disable', 'bool'],
};

const TEMPLATE_CARD: Schema = {
  CardType: ['card_type', 'text'],
  TaskId: ['task_id', 'text'],
  Source: [
    'source',
    { obj: { IconUrl: ['icon_url', 'text'], Desc: ['desc', 'text'], DescColor: ['desc_color', 'number'] } },
  ],
  ActionMenu: [
    'action_menu',
    {
      obj: {
        Desc: ['desc', 'text'],
        ActionList: ['action_list', { list: { Text: ['text', 'text'], Key: ['key', 'text'] } }],
      },
    },
  ],
  MainTitle: ['main_title', { obj: { Title: ['title', 'text'], Desc: ['desc', 'text'] } }],
  QuoteArea: ['quote_area', { obj: { ...LINK, Title: ['title', 'text'], QuoteText: ['quote_text', 'text'] } }],
  EmphasisContent: ['emphasis_content', { obj: { Title: ['title', 'text'], Desc: ['desc', 'text'] } }],
  SubTitleText: ['sub_title_text', 'text'],
  ImageTextArea: [
    'image_text_area',
    { obj: { ...LINK, Title: ['title', 'text'], Desc: ['desc', 'text'], ImageUrl: ['image_url', 'text'] } },
  ],
  CardImage: ['card_image', { obj: { Url: ['url', 'text'], AspectRatio: ['aspect_ratio', 'number'] } }],
  VerticalContentList: ['vertical_content_list', { list: { Title: ['title', 'text'], Desc: ['desc', 'text'] } }],
  HorizontalContentList: [
    'horizontal_content_list',
    {
      list: {
        Type: ['type', 'number'],
        KeyName: ['keyname', 'text'],
        Value: ['value', 'text'],
        Url: ['url', 'text'],
        MediaId: ['media_id', 'text'],
        UserId: ['userid', 'text'],
      },
    },
  ],
  JumpList: ['jump_list', { list: { ...LINK, Title: ['title', 'text'] } }],
  CardAction: ['card_action', { obj: LINK }],
  ButtonSelection: ['button_selection', { obj: SELECTION }],
  ButtonList: ['button_list', { list: { Text: ['text', 'text'], Style: ['style', 'number'], Key: ['key', 'text'] } }],
  CheckBox: [
    'checkbox',
    {
      obj: {
        QuestionKey: ['question_key', 'text'],
        OptionList: ['option_list', { list: { ...OPTION, IsChecked: ['is_checked', 'bool'] } }],
        Disable: ['disable', 'bool'],
        Mode: ['mode', 'number'],
      },
    },
  ],
  SelectList: ['select_list', { list: SELECTION }],
  SubmitButton: ['submit_button', { obj: { Text: ['text', 'text'], Key: ['key', 'text'] } }],
  ReplaceText: ['replace_text', 'text'],
};

export class PassiveCardShapeError extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

function read(path: string, v: unknown, kind: Kind): unknown {
  if (kind === 'text' || kind === 'number' || kind === 'bool') {
    // the XML parser keeps every value as a string (an empty element as '')
    if (typeof v !== 'string') throw new PassiveCardShapeError(`${path}: text expected`);
    if (kind === 'text') return v;
    if (kind === 'bool') {
      if (v !== 'true' && v !== 'false') throw new PassiveCardShapeError(`${path}: true or false expected`);
      return v === 'true';
    }
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) throw new PassiveCardShapeError(`${path}: a number expected`);
    return n;
  }
  if ('list' in kind)
    return (Array.isArray(v) ? v : [v]).map((item, i) => readObject(`${path}[${i}]`, item, kind.list));
  if (Array.isArray(v)) throw new PassiveCardShapeError(`${path}: one element expected, got ${v.length}`);
  return readObject(path, v, kind.obj);
}

function readObject(path: string, v: unknown, schema: Schema): Record<string, unknown> {
  if (!isObj(v)) throw new PassiveCardShapeError(`${path}: elements expected`);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(v)) {
    const field = schema[name];
    if (!field) throw new PassiveCardShapeError(`${path}: unknown element <${name}>`);
    const [json, kind] = field;
    if (Array.isArray(value) && !(typeof kind === 'object' && 'list' in kind))
      throw new PassiveCardShapeError(`${path}.${name}: repeated, but not a list`);
    out[json] = read(`${path}.${name}`, value, kind);
  }
  return out;
}

/** The JSON template_card WeCom draws from a passive reply's parsed `<TemplateCard>`; throws PassiveCardShapeError. */
export function templateCardFromXml(x: unknown): Record<string, unknown> {
  return readObject('TemplateCard', x, TEMPLATE_CARD);
}
