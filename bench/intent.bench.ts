/**
 * Intent parser (issue #16): accuracy per intent on the corpus's TEST split (hand-written, never trained or tuned
 * on) with its confusion matrix, next to the first parser's rules on the same split (the "before"); and throughput
 * on one thread, classifier included, next to three baselines measured in the same run (on a shared, loaded
 * machine the absolute numbers move with the load; the ratios much less):
 *  - the first parser's rules alone;
 *  - normalise only (toKey: fold + strip) — the floor every message pays;
 *  - one precompiled regex test on the raw text — the cheapest possible "matcher".
 */
import { classify, INTENTS, parseIntent } from '../src/bot/intent.js';
import { readSplit } from '../src/bot/nlu/corpus.js';
import { legacyVote } from '../src/bot/nlu/legacy-rules.js';
import { toKey } from '../src/bot/normalise.js';
import type { BenchResult } from './run.js';

/**
 * Messages per second of `fn` over `texts`, best of `rounds` timed passes of at least `minMs` each, per second of
 * this process's CPU time (user + system): on the shared machine other processes take the cores, which stretches
 * wall-clock time but not the CPU time this work needs. The wall-clock rate is returned too.
 */
function throughput(
  texts: string[],
  fn: (t: string) => unknown,
  rounds = 5,
  minMs = 300,
): { cpu: number; wall: number } {
  let sink = 0;
  const pass = () => {
    for (const t of texts) if (fn(t)) sink++;
  };
  for (let i = 0; i < 20; i++) pass(); // warm-up (JIT, regex compilation, the OpenCC/pinyin caches)
  let cpu = 0;
  let wall = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let el = 0;
    while (el < minMs) {
      pass();
      n += texts.length;
      el = performance.now() - t0;
    }
    const c = process.cpuUsage(c0);
    cpu = Math.max(cpu, (n / ((c.user + c.system) / 1000)) * 1000);
    wall = Math.max(wall, (n / el) * 1000);
  }
  if (sink < 0) console.log(sink); // keep the work observable
  return { cpu, wall };
}

const rolesOf = (role?: string) => (role === 'rep' ? ['rep'] : role === 'officer' ? ['officer'] : []);

function confusion(rows: { intent: string; got: string }[]): string {
  const labels = [...INTENTS];
  const short = (s: string) => s.replace(/_/g, '').slice(0, 6);
  const m = new Map<string, number>();
  for (const r of rows) m.set(`${r.intent}>${r.got}`, (m.get(`${r.intent}>${r.got}`) ?? 0) + 1);
  const lines = [`${'expected \\ got'.padEnd(18)}${labels.map((l) => short(l).padStart(7)).join('')}`];
  for (const e of labels) {
    const n = rows.filter((r) => r.intent === e).length;
    if (!n) continue;
    lines.push(`${e.padEnd(18)}${labels.map((g) => String(m.get(`${e}>${g}`) ?? '.').padStart(7)).join('')}`);
  }
  return lines.join('\n');
}

export default async function intentBench(): Promise<BenchResult[]> {
  const test = readSplit('test');
  const rows = test.map((r) => ({ ...r, got: parseIntent(r.text, { roles: rolesOf(r.role) }).intent as string }));
  const before = test.filter((r) => legacyVote(r.text) === r.intent).length;
  const right = rows.filter((r) => r.got === r.intent).length;
  const statusAsEnrol = rows.filter((r) => r.intent === 'status' && r.got === 'enrol').length;

  process.stderr.write(`\nconfusion matrix, test split (rows: expected, columns: got)\n${confusion(rows)}\n`);
  const wrong = rows.filter((r) => r.got !== r.intent);
  process.stderr.write(
    `\nmisread (${wrong.length}):\n${wrong.map((r) => `  ${r.text}  ${r.intent} → ${r.got}`).join('\n')}\n`,
  );

  const texts = test.map((r) => r.text);
  const now = new Date('2026-03-20T10:00:00+08:00');
  const full = throughput(texts, (t) => parseIntent(t, { now }).intent);
  const intentOnly = throughput(texts, (t) => classify(t));
  const normaliseOnly = throughput(texts, (t) => toKey(t).length);
  const oneRegex = throughput(texts, (t) => /排名|进度/.test(t));
  const rulesOnly = throughput(texts, (t) => legacyVote(t));

  // a 5 000-character message (the test suite only checks that the start is read): per message, against normalising
  const long = [`${'我想问一下'.repeat(1000)}排名`, '3月5日住院花了12000元'.repeat(400)];
  const longFull = throughput(long, (t) => parseIntent(t, { now }).intent, 3, 200);
  const longNormalise = throughput(long, (t) => toKey(t).length, 3, 200);
  const perIntent: BenchResult[] = INTENTS.map((intent) => {
    const of = rows.filter((r) => r.intent === intent);
    const ok = of.filter((r) => r.got === intent).length;
    return {
      name: `test split: ${intent}`,
      value: of.length ? (ok / of.length) * 100 : 0,
      unit: '%',
      note: `${ok}/${of.length}`,
    };
  });

  return [
    {
      name: 'intent accuracy, test split (hand-written, unseen)',
      value: (right / test.length) * 100,
      unit: '%',
      target: '>= 97',
      note: `${right}/${test.length}; ${statusAsEnrol} status questions taken for enrolment`,
    },
    {
      name: 'before: the first parser’s rules on the same split',
      value: (before / test.length) * 100,
      unit: '%',
      note: `${before}/${test.length}`,
    },
    ...perIntent,
    {
      name: 'parseIntent (rules + classifier + slots), per CPU-second',
      value: full.cpu,
      unit: 'msg/s',
      target: '>= 20000',
      note: `wall clock ${Math.round(full.wall)}/s; ${(normaliseOnly.cpu / full.cpu).toFixed(1)}x the cost of normalising; one thread`,
    },
    { name: 'classify (intent only), per CPU-second', value: intentOnly.cpu, unit: 'msg/s' },
    { name: 'baseline: the first parser’s rules (intent only)', value: rulesOnly.cpu, unit: 'msg/s' },
    { name: 'baseline: normalise only (toKey)', value: normaliseOnly.cpu, unit: 'msg/s' },
    { name: 'baseline: one precompiled regex test', value: oneRegex.cpu, unit: 'msg/s' },
    {
      name: 'parseIntent, 5 000-character messages, per CPU-second',
      value: 1000 / longFull.cpu,
      unit: 'ms/msg',
      target: '< 5',
      note: `${(longNormalise.cpu / longFull.cpu).toFixed(1)}x the cost of normalising them`,
    },
  ];
}
