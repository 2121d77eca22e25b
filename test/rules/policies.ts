/** Test helper: the shipped policies, read straight from prisma/policies and parsed by the rules' own schema. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Policy, parsePolicy } from '../../src/rules/index.js';

export const POLICY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/policies');

export const SEED = {
  hainan: 'seed 000_323d04b7f63f3eb1.txt',
  keqiao: 'seed 001_89af0f8381f03343.txt',
  yunnan14: 'seed 002_10e5911c0266518b.txt',
  yunnan12: 'seed 003_2132ef1db81a05f0.txt',
  zhangjiakou: 'seed 004_9a111ece143f3fb7.txt',
} as const;

export function rawPolicy(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(POLICY_DIR, `${name}.json`), 'utf8'));
}

export function policy(name: string): Policy {
  return parsePolicy(rawPolicy(name));
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object | null ? DeepPartial<T[K]> | T[K] : T[K] };

/** A shipped policy with some fields changed (objects merged, arrays and scalars replaced). */
export function withPolicy(name: string, patch: DeepPartial<Policy>): Policy {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b && typeof b === 'object' && !Array.isArray(b) && a && typeof a === 'object' && !Array.isArray(a))
      return Object.fromEntries(
        [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [
          k,
          k in b
            ? merge((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
            : (a as Record<string, unknown>)[k],
        ]),
      );
    return b;
  };
  return parsePolicy(merge(rawPolicy(name), patch));
}
