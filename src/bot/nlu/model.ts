/**
 * A multinomial logistic regression over sparse binary features (features.ts), trained by plain SGD in a fixed,
 * seeded order, so the same corpus gives the same model on every machine. The model is small JSON: the classes,
 * the biases, and per feature only the classes whose weight is not negligible.
 */
import { z } from 'zod';
import { must } from '../../core/must.js';

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
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const e = Math.exp((v[i] ?? 0) - max);
    v[i] = e;
    sum += e;
  }
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / sum;
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
    return { ws: fs.map((f) => must(W.get(f), `weights of ${f} were set just above`)), y };
  });
  const order = xs.map((_, i) => i);
  const rnd = prng(seed);
  const p = new Float64Array(C);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const oi = must(order[i], 'i < order.length');
      order[i] = must(order[j], 'j <= i');
      order[j] = oi;
    }
    const lr = rate / (1 + epoch * 0.2);
    for (const k of order) {
      const x = must(xs[k], 'order holds indices of xs');
      p.set(b);
      // typed arrays of length C, indices below C: `?? 0` only satisfies the index type
      for (const w of x.ws) for (let c = 0; c < C; c++) p[c] = (p[c] ?? 0) + (w[c] ?? 0);
      softmaxInPlace(p);
      p[x.y] = (p[x.y] ?? 0) - 1; // the gradient of the log loss: p − onehot
      for (let c = 0; c < C; c++) b[c] = (b[c] ?? 0) - lr * (p[c] ?? 0);
      for (const w of x.ws) for (let c = 0; c < C; c++) w[c] = (w[c] ?? 0) - lr * ((p[c] ?? 0) + l2 * (w[c] ?? 0));
    }
  }
  const round = (x: number) => Math.round(x * 1e3) / 1e3;
  const weights: Record<string, number[]> = {};
  for (const [f, w] of [...W.entries()].sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0))) {
    const sparse: number[] = [];
    w.forEach((x, c) => {
      if (Math.abs(x) >= prune) sparse.push(c, round(x));
    });
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
      for (let i = 0; i + 1 < sparse.length; i += 2) {
        this.cls[at] = sparse[i] ?? 0;
        this.val[at] = sparse[i + 1] ?? 0;
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
    for (const id of ids) {
      const r = row.get(id);
      if (r === undefined || stamp[r] === call) continue;
      stamp[r] = call;
      // r is a row of the table: start has rows + 1 entries, and cls/val hold start[rows] weights
      const end = start[r + 1] ?? 0;
      for (let i = start[r] ?? 0; i < end; i++) {
        const c = cls[i] ?? 0;
        s[c] = (s[c] ?? 0) + (val[i] ?? 0);
      }
    }
    softmaxInPlace(s);
    const out: Scored[] = classes.map((label, i) => ({ label, p: s[i] ?? 0 }));
    return out.sort((a, b) => b.p - a.p);
  }
}
