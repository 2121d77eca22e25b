import { execFile } from 'node:child_process';

/**
 * Charts are rendered on the server; without a CJK font their Chinese text comes out as boxes.
 * fontconfig is asked for any font that covers Chinese.
 */
export function findCjkFont(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('fc-list', [':lang=zh', 'family'], { timeout: 5_000 }, (err, stdout) => {
      if (err) return resolve(null);
      const first = stdout
        .split('\n')
        .map((l) => l.trim())
        .find(Boolean);
      resolve(first ?? null);
    });
  });
}
