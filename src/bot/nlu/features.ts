/**
 * The classifier's features of one message: character 1–3-grams and pinyin 1–2-grams of the matching key
 * (normalise.ts: simplified, dialect read as Mandarin, punctuation and emoji dropped), the emoji themselves, a
 * length bucket, and whether a number or a claim reference is present. Digit runs are one symbol ('0'), so 12号
 * and 7号 are the same feature. Pure and deterministic.
 */
import { MAX_INTENT_SCAN, matchKey, pinyinOf } from '../normalise.js';
import { legacyVote } from './legacy-rules.js';
import { policyTopic } from './topics.js';

const EMOJI = /\p{Extended_Pictographic}/gu;
/** WeCom and DingTalk send their own stickers as text codes ([强], [抱拳], [OK]): an emoji, not words. */
const STICKER = /\[[\p{Script=Han}A-Za-z]{1,4}\]/gu;
const QUESTION = /[?？]/;
/** Words of the programme's own domain; a message with none of them is probably about something else. */
const DOMAIN =
  /参|保|互助|补|报|申请|住院|出院|医|审|批|单位|名单|截止|通知|公告|排|进度|交|缴|钱|费|理赔|续|退|材料|发票|帮助|功能|用|谢|取消|算了/;
const NUMBER = /\d|[一二两三四五六七八九十百千万]+[万千百块元]/;

function lengthBucket(n: number): string {
  if (n <= 1) return 'len:1';
  if (n <= 2) return 'len:2';
  if (n <= 4) return 'len:3-4';
  if (n <= 8) return 'len:5-8';
  if (n <= 16) return 'len:9-16';
  return 'len:17+';
}

/** Where features go: as strings (training, the saved model) or as 30-bit hashes (scoring, no string built). */
interface Sink {
  add(feature: string): void;
  /** the feature tag + a + b + c + d, e.g. gram('b:', '参', '加') is 'b:参加' */
  gram(tag: string, a: string, b?: string, c?: string, d?: string): void;
}

function emit(text: string, f: Sink): void {
  const raw = text.length > MAX_INTENT_SCAN ? text.slice(0, MAX_INTENT_SCAN) : text;
  for (const m of raw.matchAll(EMOJI)) {
    f.add(`e:${m[0]}`);
    f.add('e');
  }
  let words = raw;
  if (raw.includes('[')) {
    for (const m of raw.matchAll(STICKER)) {
      f.add(`e:${m[0]}`);
      f.add('e');
    }
    words = raw.replace(STICKER, '');
  }
  const key = matchKey(words);
  if (key.length === 0) {
    f.add(QUESTION.test(raw) ? 'k:?' : 'k:');
    return;
  }
  f.add(`r:${legacyVote(raw)}`); // the first parser's vote, weighed by training
  const topic = policyTopic(key);
  if (topic) f.add(`topic:${topic}`);
  if (!DOMAIN.test(key)) f.add('ood');
  if (QUESTION.test(raw)) f.add('?');
  if (NUMBER.test(key)) f.add('num');
  const cs = Array.from(key.replace(/\d+/g, '0'));
  const n = cs.length;
  f.add(lengthBucket(n));
  // the one and two characters before c (none yet at the start)
  let before: string | undefined;
  let before2: string | undefined;
  for (const c of cs) {
    f.gram('c:', c);
    f.gram('b:', before ?? '^', c);
    if (before2 !== undefined && before !== undefined) f.gram('t:', before2, before, c);
    before2 = before;
    before = c;
  }
  // the key is not empty (returned above), so `before` is its last character
  if (before !== undefined) f.gram('b:', before, '$');
  if (before2 !== undefined && before !== undefined) f.gram('t:', before2, before, '$');
  let prev = '^';
  for (const c of cs) {
    const p = pinyinOf(c);
    f.gram('p:', p);
    f.gram('q:', prev, '_', p);
    prev = p;
  }
  f.gram('q:', prev, '_$');
}

/** The features as strings: what the model is trained on and saved with. */
export function features(text: string): string[] {
  const out: string[] = [];
  emit(text, {
    add: (s) => out.push(s),
    gram: (tag, a, b = '', c = '', d = '') => out.push(tag + a + b + c + d),
  });
  return out;
}

// FNV-1a over UTF-16 units: featureIds(text) is features(text).map(featureId), without building the strings.
const FNV_OFFSET = 0x811c9dc5;
function mix(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

// 30 bits: small integers stay unboxed in V8, so the model's Map lookups do not hash heap numbers
const ID_MASK = 0x3fffffff;

/** The 30-bit id of a feature string. */
export function featureId(feature: string): number {
  return mix(FNV_OFFSET, feature) & ID_MASK;
}

const TAG = new Map(['c:', 'b:', 't:', 'p:', 'q:'].map((t) => [t, mix(FNV_OFFSET, t)]));

/** The features as ids (see featureId): the scoring path, a few times faster than the strings. */
export function featureIds(text: string): number[] {
  const out: number[] = [];
  emit(text, {
    add: (s) => out.push(featureId(s)),
    gram: (tag, a, b, c, d) => {
      let h = mix(TAG.get(tag) ?? mix(FNV_OFFSET, tag), a);
      if (b) h = mix(h, b);
      if (c) h = mix(h, c);
      if (d) h = mix(h, d);
      out.push(h & ID_MASK);
    },
  });
  return out;
}
