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

export function features(text: string): string[] {
  const raw = text.length > MAX_INTENT_SCAN ? text.slice(0, MAX_INTENT_SCAN) : text;
  const f: string[] = [];
  for (const m of raw.matchAll(EMOJI)) f.push(`e:${m[0]}`, 'e');
  const key = matchKey(raw);
  if (key.length === 0) {
    f.push(QUESTION.test(raw) ? 'k:?' : 'k:');
    return f;
  }
  f.push(`r:${legacyVote(raw)}`); // the first parser's vote, weighed by training
  const topic = policyTopic(key);
  if (topic) f.push(`topic:${topic}`);
  if (!DOMAIN.test(key)) f.push('ood');
  if (QUESTION.test(raw)) f.push('?');
  if (NUMBER.test(key)) f.push('num');
  const cs = Array.from(key.replace(/\d+/g, '0'));
  f.push(lengthBucket(cs.length));
  const n = cs.length;
  for (let i = 0; i < n; i++) {
    const c = cs[i]!;
    f.push(`c:${c}`);
    f.push(i === 0 ? `b:^${c}` : `b:${cs[i - 1]}${c}`);
    if (i >= 2) f.push(`t:${cs[i - 2]}${cs[i - 1]}${c}`);
  }
  f.push(`b:${cs[n - 1]}$`);
  if (n >= 2) f.push(`t:${cs[n - 2]}${cs[n - 1]}$`);
  let prev = '^';
  for (const c of cs) {
    const p = pinyinOf(c);
    f.push(`p:${p}`, `q:${prev}_${p}`);
    prev = p;
  }
  f.push(`q:${prev}_$`);
  return f;
}
