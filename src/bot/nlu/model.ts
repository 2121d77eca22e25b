/**
 * A multinomial logistic regression over sparse binary features (features.ts), trained by plain SGD in a fixed,
 * seeded order, so the same corpus gives the same model on every machine. The model is small JSON: the classes,
 * the biases, and per feature only the classes whose weight is not negligible.
 */
import { z } from 'zod';

export const ModelSchema = z.object({
  version: z.literal(1),
  classes: z.array(z.string()).min(2),
  bias: z.array(z.number()),
  /** feature → [classIndex, weight, classIndex, weight, …] */
  weights: z.record(z.string(), z.array(z.number())),
});
export type Model = z.infer<typeof ModelSchema>;

export interface TrainOptions {
  epochs?: number;
  rate?: number;
  l2?: number;
  seed?: number;
  /** weights smaller than this (absolute) are left out of the saved model */
  prune?: number;
}

function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function softmaxInPlace(v: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > max) max = v[i]!;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = Math.exp(v[i]! - max);
    sum += v[i]!;
  }
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / sum;
}

export function train(
  examples: { features: string[]; label: string }[],
  classes: string[],
  o: TrainOptions = {},
): Model {
  const { epochs = 30, rate = 0.2, l2 = 1e-4, seed = 16, prune = 0.03 } = o;
  const C = classes.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const W = new Map<string, Float64Array>();
  const b = new Float64Array(C);
  const xs = examples.map((e) => {
    const y = index.get(e.label);
    if (y === undefined) throw new Error(`unknown label ${e.label}`);
    const fs = [...new Set(e.features)];
    for (const f of fs) if (!W.has(f)) W.set(f, new Float64Array(C));
    return { ws: fs.map((f) => W.get(f)!), y };
  });
  const order = xs.map((_, i) => i);
  const rnd = prng(seed);
  const p = new Float64Array(C);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const lr = rate / (1 + epoch * 0.2);
    for (const k of order) {
      const x = xs[k]!;
      p.set(b);
      for (const w of x.ws) for (let c = 0; c < C; c++) p[c]! += w[c]!;
      softmaxInPlace(p);
      p[x.y]! -= 1; // the gradient of the log loss: p − onehot
      for (let c = 0; c < C; c++) b[c]! -= lr * p[c]!;
      for (const w of x.ws) for (let c = 0; c < C; c++) w[c]! -= lr * (p[c]! + l2 * w[c]!);
    }
  }
  const round = (x: number) => Math.round(x * 1e3) / 1e3;
  const weights: Record<string, number[]> = {};
  for (const [f, w] of [...W.entries()].sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0))) {
    const sparse: number[] = [];
    for (let c = 0; c < C; c++) if (Math.abs(w[c]!) >= prune) sparse.push(c, round(w[c]!));
    if (sparse.length) weights[f] = sparse;
  }
  return { version: 1, classes, bias: [...b].map(round), weights };
}

export interface Scored {
  label: string;
  p: number;
}

/** The loaded model: scores a message's feature ids (features.ts: featureIds) into class probabilities. */
export class Classifier {
  readonly classes: readonly string[];
  private readonly bias: Float64Array;
  /** feature id → row; row r's weights are cls/val[start[r] .. start[r + 1]) (one flat table, no objects) */
  private readonly row = new Map<number, number>();
  private readonly start: Uint32Array;
  private readonly cls: Uint8Array;
  private readonly val: Float64Array;
  /** per row, the call that last counted it: each feature counts once, as in training, without a Set */
  private readonly stamp: Uint32Array;
  private call = 0;
  private readonly scratch: Float64Array;

  constructor(model: Model, idOf: (feature: string) => number) {
    this.classes = model.classes;
    this.bias = Float64Array.from(model.bias);
    this.scratch = new Float64Array(model.classes.length);
    const entries = Object.entries(model.weights);
    const total = entries.reduce((n, [, w]) => n + w.length / 2, 0);
    this.start = new Uint32Array(entries.length + 1);
    this.cls = new Uint8Array(total);
    this.val = new Float64Array(total);
    this.stamp = new Uint32Array(entries.length);
    let at = 0;
    entries.forEach(([f, sparse], r) => {
      this.row.set(idOf(f), r);
      this.start[r] = at;
      for (let i = 0; i < sparse.length; i += 2) {
        this.cls[at] = sparse[i]!;
        this.val[at] = sparse[i + 1]!;
        at++;
      }
    });
    this.start[entries.length] = at;
  }

  /** Probabilities of every class, best first. */
  rank(ids: readonly number[]): Scored[] {
    const { row, stamp, start, cls, val, classes } = this;
    const s = this.scratch;
    s.set(this.bias);
    const call = ++this.call;
    for (let k = 0; k < ids.length; k++) {
      const r = row.get(ids[k]!);
      if (r === undefined || stamp[r] === call) continue;
      stamp[r] = call;
      const end = start[r + 1]!;
      for (let i = start[r]!; i < end; i++) s[cls[i]!]! += val[i]!;
    }
    softmaxInPlace(s);
    const out: Scored[] = new Array(classes.length);
    for (let i = 0; i < classes.length; i++) out[i] = { label: classes[i]!, p: s[i]! };
    return out.sort((a, b) => b.p - a.p);
  }
}
