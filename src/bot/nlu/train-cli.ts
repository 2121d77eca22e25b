/**
 * `npm run nlu:train`: trains the intent classifier from the TRAIN split (test/fixtures/corpus/train.jsonl) and
 * the older labelled set (test/fixtures/utterances.json), and writes src/bot/nlu/model.json. Deterministic: the
 * same corpus writes the same file (a test checks the committed model is up to date). The TEST split is never read.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { INTENTS } from '../intent.js';
import { trainingRows } from './corpus.js';
import { features } from './features.js';
import { MODEL_URL } from './load.js';
import { type Model, train } from './model.js';

export function trainModel(): Model {
  const rows = trainingRows();
  return train(
    rows.map((r) => ({ features: features(r.text), label: r.intent })),
    [...INTENTS],
  );
}

export function serialise(m: Model): string {
  return `${JSON.stringify(m)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const m = trainModel();
  fs.writeFileSync(MODEL_URL, serialise(m));
  console.log(`model.json: ${Object.keys(m.weights).length} features, ${m.classes.length} intents`);
}
