/**
 * `npm run nlu:cv`: k-fold cross-validation on the TRAINING rows only (train.jsonl and the older labelled set), to
 * find the intents the corpus or the features serve badly without looking at the TEST split. Each fold's model is
 * trained on the other folds and scored through the same decision as the bot (command rules, guards, roles).
 * The written messages are split into folds (those alike after folding and without their framing words share one),
 * and the noisy copies (augment.ts) are made from the training folds only, so a copy of a scored message is never
 * learnt.
 * Prints the accuracy per intent, the confusion and the misread TRAINING messages.
 *
 *   npm run nlu:cv [-- --folds 5] [-- --quiet]
 */
import { fileURLToPath } from 'node:url';
import { classifyWith, INTENTS } from '../intent.js';
import { matchKey } from '../normalise.js';
import { augment } from './augment.js';
import { type CorpusRow, corpusKey, heldOut, writtenTrainingRows } from './corpus.js';
import { featureId, features } from './features.js';
import { Classifier, train } from './model.js';

const rolesOf = (role?: string) => (role === 'rep' ? ['rep'] : role === 'officer' ? ['officer'] : []);

// framing that the generator adds around a core (openers, closers); removed before grouping
const FRAME =
  /^(?:请问|你好|您好|麻烦问下|同志|老师你好|那个|问一下|打扰一下|喂|小助手|领导好)+|(?:啊|呀|呢|哈|谢谢|麻烦了|急|谢谢啦)+$/g;

function groupOf(r: CorpusRow): string {
  // the pinyin-free core: dialect and traditional folded, framing removed; typos still differ, so they are hashed
  // by their first and last two characters, which a one-character typo rarely changes both of
  const k = matchKey(r.text).replace(FRAME, '');
  if (k.length === 0) return `${r.intent}:${r.text}`; // emoji, punctuation: each its own group
  return `${r.intent}:${k.slice(0, 2)}${k.slice(-2)}`;
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function crossValidate(folds = 5): { row: CorpusRow; got: string }[] {
  const rows = writtenTrainingRows();
  const held = heldOut();
  const fold = rows.map((r) => hash(groupOf(r)) % folds);
  const out: { row: CorpusRow; got: string }[] = [];
  for (let f = 0; f < folds; f++) {
    // the noisy copies are made from the training folds only, so no copy of a scored message is learnt
    const learn = augment(rows.filter((_, i) => fold[i] !== f)).filter((r) => !held.has(corpusKey(r.text)));
    const model = train(
      learn.map((r) => ({ features: features(r.text), label: r.intent })),
      [...INTENTS],
    );
    const c = new Classifier(model, featureId);
    rows.forEach((r, i) => {
      if (fold[i] === f) out.push({ row: r, got: classifyWith(c, r.text, rolesOf(r.role)) });
    });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const folds = Number(args[args.indexOf('--folds') + 1]) || 5;
  const res = crossValidate(folds);
  const right = res.filter((r) => r.got === r.row.intent).length;
  console.log(
    `cross-validation on TRAIN, ${folds} folds: ${((right / res.length) * 100).toFixed(2)} % (${right}/${res.length})`,
  );
  for (const intent of INTENTS) {
    const of = res.filter((r) => r.row.intent === intent);
    const ok = of.filter((r) => r.got === intent).length;
    const into = new Map<string, number>();
    for (const r of of) if (r.got !== intent) into.set(r.got, (into.get(r.got) ?? 0) + 1);
    const conf = [...into]
      .sort((a, b) => b[1] - a[1])
      .map(([g, n]) => `${g} ${n}`)
      .join(', ');
    console.log(
      `  ${intent.padEnd(18)} ${((ok / (of.length || 1)) * 100).toFixed(1).padStart(6)} %  ${ok}/${of.length}  ${conf}`,
    );
  }
  if (!args.includes('--quiet'))
    for (const r of res.filter((x) => x.got !== x.row.intent))
      console.log(`  ${r.row.text}  ${r.row.intent} → ${r.got}`);
}
