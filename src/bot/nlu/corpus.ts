/**
 * The labelled corpus (test/fixtures/corpus/*.jsonl: one {text, intent, role?, note?} per line, and the older
 * test/fixtures/utterances.json), read and checked with zod. Used by the training script, the tests and the bench;
 * the bot itself only loads the trained model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { augment } from './augment.js';

export const CorpusRow = z.object({
  text: z.string(),
  intent: z.string(),
  role: z.enum(['worker', 'rep', 'officer']).optional(),
  note: z.string().optional(),
});
export type CorpusRow = z.infer<typeof CorpusRow>;

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/corpus');
const UTTERANCES = path.join(CORPUS_DIR, '../utterances.json');

export function readSplit(split: 'train' | 'test'): CorpusRow[] {
  const lines = fs.readFileSync(path.join(CORPUS_DIR, `${split}.jsonl`), 'utf8').split('\n');
  return lines
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = CorpusRow.safeParse(JSON.parse(l));
      if (!r.success) throw new Error(`${split}.jsonl line ${i + 1}: ${r.error.message}`);
      return r.data;
    });
}

/** The earlier labelled set (written before the first parser), relabelled for the new intents: training data too. */
export function readUtterances(): CorpusRow[] {
  const f = z
    .object({ utterances: z.array(z.object({ text: z.string(), intent: z.string() })) })
    .parse(JSON.parse(fs.readFileSync(UTTERANCES, 'utf8')));
  return f.utterances.map((u) => ({ text: u.text, intent: u.intent }));
}

/** Letters and digits only, lower case (or the text itself when it has none): two messages with the same key are the same message for the classifier. */
export function corpusKey(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, '').toLowerCase() || text.trim(); // 👍 and ？ are keys of their own
}

/**
 * The labelled messages the classifier learns from: the TRAIN split and the older labelled set, never the TEST
 * split. The older set was written independently and shares some short messages (我要续保, 待审批) with the test
 * split; those are left out of training so the test split stays unseen.
 */
export function writtenTrainingRows(): CorpusRow[] {
  const held = heldOut();
  return [...readSplit('train'), ...readUtterances()].filter((r) => !held.has(corpusKey(r.text)));
}

/** The test split's keys: no training row, written or generated, may have one. */
export function heldOut(): Set<string> {
  return new Set(readSplit('test').map((r) => corpusKey(r.text)));
}

/**
 * What the classifier is trained on: the written training rows and their noisy copies (augment.ts), less any copy
 * that happens to match a test message.
 */
export function trainingRows(): CorpusRow[] {
  const held = heldOut();
  return augment(writtenTrainingRows()).filter((r) => !held.has(corpusKey(r.text)));
}
