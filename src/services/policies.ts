import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Policy, parsePolicy } from '../rules/policy.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/policies');

/** The programmes' policies kept as data (prisma/policies/*.json), each validated by the policy schema. */
export function loadPolicyFile(name: string): Policy {
  const file = path.join(dir, name.endsWith('.json') ? name : `${name}.json`);
  try {
    return parsePolicy(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (e) {
    throw new Error(`policy ${path.basename(file)}: ${(e as Error).message}`);
  }
}

export function listPolicyFiles(): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}
