/**
 * Intent parser throughput on one thread, over the labelled set (test/fixtures/utterances.json) repeated,
 * after a warm-up. Measured in the same run: two baselines, so the result reads as a ratio —
 *  - normalise only (toKey: fold + strip) — the floor every message pays;
 *  - one precompiled regex test on the raw text — the cheapest possible "matcher".
 * Also: the intent-only path (classify, no slot extraction), and accuracy on the labelled set.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify, parseIntent } from '../src/bot/intent.js';
import { toKey } from '../src/bot/normalise.js';
import type { BenchResult } from './run.js';

interface Utterance {
  text: string;
  intent: string;
}

const dir = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(fs.readFileSync(path.join(dir, '../test/fixtures/utterances.json'), 'utf8')) as {
  now: string;
  utterances: Utterance[];
};

/** messages per second of `fn` over `texts`, best of `rounds` timed passes of at least `minMs` each. */
function throughput(texts: string[], fn: (t: string) => unknown, rounds = 5, minMs = 300): number {
  let sink = 0;
  const pass = () => {
    for (const t of texts) if (fn(t)) sink++;
  };
  for (let i = 0; i < 20; i++) pass(); // warm-up (JIT, regex compilation, chrono's lazy setup)
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    let el = 0;
    while (el < minMs) {
      pass();
      n += texts.length;
      el = performance.now() - t0;
    }
    best = Math.max(best, (n / el) * 1000);
  }
  if (sink < 0) console.log(sink); // keep the work observable
  return best;
}

export default async function intentBench(): Promise<BenchResult[]> {
  const now = new Date(fixture.now);
  const texts = fixture.utterances.map((u) => u.text);
  const single = /排名|进度/;

  const full = throughput(texts, (t) => parseIntent(t, { now }).intent);
  const intentOnly = throughput(texts, classify);
  const normaliseOnly = throughput(texts, (t) => toKey(t).length);
  const oneRegex = throughput(texts, (t) => single.test(t));

  // a 5 000-character message (the test suite only checks it parses): per message, against normalising it
  const long = [`${'我想问一下'.repeat(1000)}排名`, '3月5日住院花了12000元'.repeat(400)];
  const longFull = throughput(long, (t) => parseIntent(t, { now }).intent, 3, 200);
  const longNormalise = throughput(long, (t) => toKey(t).length, 3, 200);

  let right = 0;
  for (const u of fixture.utterances) if (parseIntent(u.text, { now }).intent === u.intent) right++;
  const n = fixture.utterances.length;

  return [
    {
      name: 'parseIntent (intent + slots), labelled set',
      value: full,
      unit: 'msg/s',
      target: '>= 20000',
      note: `${(normaliseOnly / full).toFixed(1)}x the cost of normalising; one thread`,
    },
    { name: 'classify (intent only)', value: intentOnly, unit: 'msg/s' },
    { name: 'baseline: normalise only (toKey)', value: normaliseOnly, unit: 'msg/s' },
    { name: 'baseline: one precompiled regex test', value: oneRegex, unit: 'msg/s' },
    {
      name: 'parseIntent, 5 000-character messages',
      value: 1000 / longFull,
      unit: 'ms/msg',
      target: '< 5',
      note: `${(longNormalise / longFull).toFixed(1)}x the cost of normalising them`,
    },
    {
      name: 'intent accuracy on the labelled set',
      value: (right / n) * 100,
      unit: '%',
      target: '>= 95',
      note: `${right}/${n}`,
    },
  ];
}
