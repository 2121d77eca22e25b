/**
 * Text normalisation for the intent parser. Pure, no I/O.
 *
 * `fold` maps one UTF-16 unit to one UTF-16 unit (full-width ASCII → ASCII, ideographic space → space,
 * common traditional characters → simplified, ASCII upper → lower), so an index into the folded text is
 * the same index into the original text: slot extractors work on the folded text and the announce slot
 * can cut the original text at the same place.
 *
 * `toKey` is the matching form: folded, NFKC (only when a compatibility character is present), and
 * stripped of everything that is not a letter, a digit or `#` (punctuation, emoji, whitespace).
 */

/** Only this many characters of a message are scanned for an intent (a pasted 5 000-char text stays cheap). */
export const MAX_INTENT_SCAN = 240;
/** Only this many characters are scanned for money and dates. */
export const MAX_SLOT_SCAN = 600;

// Traditional → simplified, one character each. Only characters that show up in what members write to the bot
// (the words of RULES §11 and their neighbours); a full OpenCC table is not worth its weight here.
const TRAD =
  '參参報报補补幫帮嗎吗沒没錢钱續续險险麼么樣样請请盡尽佈布發发單单進进審审誰谁還还幾几號号時时間间個个們们這这' +
  '裡里裏里會会費费繳缴銷销賠赔務务關关於于為为結结價价點点辦办醫医療疗員员實实現现總总體体級级縣县區区導导處处' +
  '準准備备應应該该說说問问題题門门開开過过達达標标給给讓让認认確确見见謝谢聽听寫写讀读訊讯動动數数據据條条類类' +
  '須须頁页顯显億亿萬万兩两塊块圓圆週周禮礼後后覽览狀状態态駁驳迴回齊齐庫库歲岁學学院院廠厂鄉乡鎮镇莊庄戶户' +
  '務务規规則则劃划選选擇择記记錄录紀纪網网絡络電电話话卻却雖虽誤误錯错對对嗯嗯啥啥麽么喚唤幣币貳贰陸陆' +
  '萬万仟仟盧卢傳传統统計计劃划週周內内專专從从來来讚赞謂谓歡欢邊边將将們们紙纸離离雙双鐘钟頭头鍾钟東东陳陈' +
  '習习標标聯联絡络贊赞證证藥药診诊術术訴诉壓压癥症腦脑門门懷怀孕孕產产師师險险齡龄職职屬属統统籌筹額额協协' +
  '議议遞递匯汇撥拨帳账賬账戶户額额優优惠惠資资積积極极榜榜饋馈廣广傳传權权負负罰罚違违約约屆届嗎吗呢呢';

const TRAD_MAP = new Map<number, number>();
for (let i = 0; i + 1 < TRAD.length; i += 2) {
  const from = TRAD.charCodeAt(i);
  const to = TRAD.charCodeAt(i + 1);
  if (from !== to) TRAD_MAP.set(from, to);
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
    } else {
      const t = TRAD_MAP.get(c);
      if (t !== undefined) m = t;
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
