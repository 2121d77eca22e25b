/**
 * Training-time augmentation: each hand-written TRAIN message is joined by a few noisy copies, typed the ways
 * members really type — a polite opening or closing, an emoji, a pinyin-input homophone, traditional characters,
 * a dialect word, stray spaces. Done when training (train-cli.ts), not stored in the corpus: train.jsonl keeps only
 * the messages a person wrote, so the corpus's counts (and the test split's share of them) are counts of real
 * messages, not of their generated echoes. Seeded, so the same corpus trains the same model on every machine.
 * Never applied to the TEST split.
 */
import * as OpenCC from 'opencc-js/cn2t';
import { must } from '../../core/must.js';

const toTraditional = OpenCC.Converter({ from: 'cn', to: 'tw' });

function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPENERS = [
  '请问',
  '你好，',
  '您好，',
  '麻烦问下',
  '同志，',
  '老师你好，',
  '那个，',
  '问一下',
  '打扰一下，',
  '喂，',
  '小助手，',
  '领导好，',
];
const CLOSERS = ['？', '?', '啊', '呀', '呢', '哈', '，谢谢', '，麻烦了', '😊', '🙏', '。。', '!', '，急', '谢谢啦'];
/** pinyin-input homophones: the right character → what the input method offered first */
const HOMOPHONES: [string, string][] = [
  ['吗', '马'],
  ['吗', '嘛'],
  ['加', '家'],
  ['在', '再'],
  ['再', '在'],
  ['报', '包'],
  ['保', '宝'],
  ['补', '不'],
  ['请', '清'],
  ['助', '住'],
  ['没', '美'],
  ['名', '明'],
  ['进', '近'],
  ['审', '申'],
  ['批', '披'],
  ['查', '茶'],
  ['交', '教'],
  ['钱', '前'],
  ['多', '躲'],
  ['少', '绍'],
  ['截', '节'],
  ['止', '只'],
  ['期', '其'],
  ['院', '远'],
  ['销', '消'],
  ['付', '附'],
  ['能', '嫩'],
  ['参', '惨'],
  ['单', '担'],
  ['位', '为'],
  ['通', '同'],
  ['知', '之'],
  ['谢', '写'],
  ['办', '半'],
  ['了', '啦'],
  ['的', '得'],
  ['哪', '那'],
  ['么', '嘛'],
];
const DIALECT: [string, string][] = [
  ['什么', '啥'],
  ['怎么', '咋'],
  ['我', '俺'],
  ['没有', '莫得'],
  ['知道', '晓得'],
  ['没有', '冇'],
  ['吗', '伐'],
  ['了吗', '了没得'],
  ['什么', '么子'],
  ['怎么样', '咋样'],
  ['多少', '几多'],
  ['我们', '阿拉'],
  ['吗', '不'],
  ['吗', '咩'],
  ['不', '莫'],
  ['这个', '这'],
  ['一下', '下子'],
];

/** How many noisy copies per message, and which noise: exact words (help, thanks, cancel) get no framing. */
const PLAN: Record<string, { n: number; noisy?: boolean; frame?: boolean }> = {
  status: { n: 3 },
  enrol: { n: 3 },
  claim: { n: 2 },
  claim_status: { n: 2 },
  estimate: { n: 2 },
  policy_question: { n: 2 },
  ranking: { n: 3 },
  unit_progress: { n: 2 },
  missing_members: { n: 3 },
  deadlines: { n: 3 },
  pending_approvals: { n: 3 },
  approved_unpaid: { n: 3 },
  capabilities: { n: 3 },
  help: { n: 1, noisy: false, frame: false },
  thanks: { n: 1, frame: false },
  cancel: { n: 2, frame: false },
};

export function augment<R extends { text: string; intent: string }>(rows: readonly R[], seed = 20261130): R[] {
  const rand = prng(seed);
  const pick = <T>(a: readonly T[]): T => must(a[Math.floor(rand() * a.length)], 'picked from a non-empty list');
  const swap = (s: string, table: readonly [string, string][]): string => {
    const cands = table.filter(([a]) => s.includes(a));
    if (cands.length === 0) return s;
    const [a, b] = pick(cands);
    return s.replace(a, b);
  };
  const out: R[] = [];
  for (const row of rows) {
    out.push(row);
    const plan = PLAN[row.intent];
    if (!plan || row.text.length > 60) continue; // long texts (announcements, run-on stories) vary enough already
    const { n, noisy = true, frame = true } = plan;
    for (let i = 0; i < n; i++) {
      let s = row.text;
      if (frame && rand() < 0.35) s = pick(OPENERS) + s;
      if (frame && rand() < 0.4) s += pick(CLOSERS);
      if (noisy) {
        const r = rand();
        if (r < 0.3) s = swap(s, HOMOPHONES);
        else if (r < 0.45) s = toTraditional(s);
        else if (r < 0.62) s = swap(s, DIALECT);
        else if (r < 0.67) s = s.replace(/(.)(?=.)/gu, (c) => (rand() < 0.15 ? `${c} ` : c));
      }
      if (s !== row.text) out.push({ ...row, text: s });
    }
  }
  return out;
}
