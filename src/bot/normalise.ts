/**
 * Text normalisation for the intent parser. Pure, no I/O. Everything here builds a *matching key*; the text that
 * is stored or forwarded (announcements, reasons, names, hospitals) is never folded (see bot.ts).
 *
 * `fold` maps one UTF-16 unit to one UTF-16 unit (full-width ASCII → ASCII, ideographic space → space,
 * traditional → simplified by OpenCC's character table, ASCII upper → lower), so an index into the folded text
 * is the same index into the original text: slot extractors work on the folded text and the announce slot can
 * cut the original text at the same place.
 *
 * `toKey` is the rules' matching form: folded, NFKC (only when a compatibility character is present), and
 * stripped of everything that is not a letter, a digit or `#` (punctuation, emoji, whitespace).
 *
 * `matchKey` is the classifier's form: `toKey` plus dialect words read as standard Mandarin (啥 → 什么,
 * 俺 → 我, 莫得 → 没有, 晓得 → 知道…), and `pinyinOf` gives each character's toneless pinyin (pinyin-pro), so a
 * pinyin-input homophone (参家/参加, 马/吗, 再/在) lands on the same key.
 */
import * as OpenCC from 'opencc-js/t2cn';
import { pinyin } from 'pinyin-pro';

/** Only this many characters of a message are scanned for an intent (a pasted 5 000-char text stays cheap). */
export const MAX_INTENT_SCAN = 240;
/** Only this many characters are scanned for money and dates. */
export const MAX_SLOT_SCAN = 600;

// OpenCC converts whole strings (phrases first); a message needs only its characters, so each CJK character is
// converted once and remembered: the table ends up holding the few thousand characters people really type.
const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });
const SIMPLE = new Map<number, number>();

function simplifyUnit(c: number): number {
  const known = SIMPLE.get(c);
  if (known !== undefined) return known;
  const out = toSimplified(String.fromCharCode(c));
  const s = out.length === 1 ? out.charCodeAt(0) : c; // a one-to-many conversion would move the indexes: kept as is
  SIMPLE.set(c, s);
  return s;
}

/** One-to-one character fold (see the module comment). Keeps the length and the positions. */
export function fold(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let m = -1;
    if (c < 0x80) {
      if (c >= 0x41 && c <= 0x5a) m = c + 0x20;
    } else if (c >= 0xff01 && c <= 0xff5e) {
      m = c - 0xfee0;
      if (m >= 0x41 && m <= 0x5a) m += 0x20;
    } else if (c === 0x3000) {
      m = 0x20;
    } else if (c === 0xffe5) {
      m = 0xa5; // ￥ → ¥
    } else if (c >= 0x3400 && c <= 0x9fff) {
      const t = simplifyUnit(c);
      if (t !== c) m = t;
    }
    if (m >= 0) {
      out += text.slice(start, i) + String.fromCharCode(m);
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

// Characters NFKC would change that `fold` does not cover: circled/parenthesised numbers, CJK compatibility,
// half-width katakana and forms, presentation forms, letter-like symbols.
const COMPAT = /[\u00a0\u2000-\u2bff\u3200-\u33ff\uf900-\ufaff\ufe10-\ufe6f\uff5f-\uffef]/;
const NOT_KEY = /[^\p{L}\p{N}#]+/gu;

/** The matching key: folded, NFKC where needed, lower-case, only letters, digits and '#'. Capped in length. */
export function toKey(text: string, max = MAX_INTENT_SCAN): string {
  let s = fold(text.length > max ? text.slice(0, max) : text);
  if (COMPAT.test(s)) s = fold(s.normalize('NFKC'));
  return s.replace(NOT_KEY, '');
}

// Dialect and chat words read as standard Mandarin, longest first. Only whole words whose meaning does not
// depend on the sentence (咋 is always 怎么, 俺 always 我); 不/咩/伐 as a question ending become 吗 only at the
// end of the key.
const DIALECT: [string, string][] = [
  ['系唔系', '是不是'],
  ['系咪', '是不是'],
  ['唔系', '不是'],
  ['有冇', '有没有'],
  ['咗', '了'],
  ['嘅', '的'],
  ['睇', '看'],
  ['乜嘢', '什么'],
  ['莫得', '没有'],
  ['冇得', '没有'],
  ['没得', '没有'],
  ['木有', '没有'],
  ['冇', '没有'],
  ['晓得', '知道'],
  ['啥子', '什么'],
  ['么子', '什么'],
  ['啥', '什么'],
  ['咋个', '怎么'],
  ['咋', '怎么'],
  ['俺们', '我们'],
  ['阿拉', '我们'],
  ['俺', '我'],
  ['侬', '你'],
  ['几多', '多少'],
  ['干嘛', '干什么'],
];
const DIALECT_RE = new RegExp(DIALECT.map(([a]) => a).join('|'), 'g');
const DIALECT_MAP = new Map(DIALECT);
const END_Q = /(?:伐|咩|不|没|么|嘛)$/;

/** The classifier's key: `toKey` with dialect words in standard Mandarin (see the module comment). */
export function matchKey(text: string, max = MAX_INTENT_SCAN): string {
  const k = toKey(text, max);
  if (k.length === 0) return k;
  return k.replace(DIALECT_RE, (w) => DIALECT_MAP.get(w) ?? w).replace(END_Q, '吗');
}

// A lone character gets its most common reading, which for these particles is not the one in a question.
const PINYIN = new Map<string, string>([
  ['了', 'le'],
  ['着', 'zhe'],
  ['还', 'hai'],
  ['得', 'de'],
  ['么', 'me'],
  ['参', 'can'],
  ['行', 'xing'],
]);

/** The toneless pinyin of one character (its most common reading), remembered; a non-Han character is itself. */
export function pinyinOf(ch: string): string {
  let p = PINYIN.get(ch);
  if (p === undefined) {
    const code = ch.charCodeAt(0);
    p = code >= 0x3400 && code <= 0x9fff ? pinyin(ch, { toneType: 'none', type: 'string' }) : ch;
    PINYIN.set(ch, p);
  }
  return p;
}
