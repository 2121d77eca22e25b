/**
 * The committed model (model.json, written by `npm run nlu:train`), read and checked with zod once, on first use.
 * Nothing is downloaded or trained at run time.
 */
import fs from 'node:fs';
import { featureId } from './features.js';
import { Classifier, ModelSchema } from './model.js';

export const MODEL_URL = new URL('./model.json', import.meta.url);

let classifier: Classifier | undefined;

export function loadClassifier(): Classifier {
  classifier ??= new Classifier(ModelSchema.parse(JSON.parse(fs.readFileSync(MODEL_URL, 'utf8'))), featureId);
  return classifier;
}
