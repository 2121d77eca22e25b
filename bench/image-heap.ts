/**
 * The heap cap the production image starts node with (Dockerfile: NODE_OPTIONS=--max-old-space-size=N). The memory
 * benches run their process "as the image runs it" with this flag, read from the Dockerfile so the two cannot drift.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dockerfile = path.join(path.dirname(fileURLToPath(import.meta.url)), '../Dockerfile');

export function imageHeapFlag(): string {
  const m = /--max-old-space-size=(\d+)/.exec(fs.readFileSync(dockerfile, 'utf8'));
  if (!m) throw new Error('Dockerfile: no --max-old-space-size in NODE_OPTIONS');
  return m[0];
}
