/**
 * The emulator page is a Vite build (emulator/ → dist/emulator). `npm start` and the tests call
 * ensureEmulatorBuilt() so that a fresh checkout serves the page without a separate step; it builds only when the
 * output is missing or older than its sources, so a normal start costs one directory walk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const EMULATOR_SOURCE_DIR = path.join(repoRoot, 'emulator');
export const EMULATOR_DIST_DIR = path.join(repoRoot, 'dist/emulator');
export const EMULATOR_VITE_CONFIG = path.join(EMULATOR_SOURCE_DIR, 'vite.config.ts');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** true when dist/emulator/index.html is missing, or a source under emulator/ changed after it was built */
export function emulatorBuildNeeded(srcDir = EMULATOR_SOURCE_DIR, distDir = EMULATOR_DIST_DIR): boolean {
  const index = path.join(distDir, 'index.html');
  if (!fs.existsSync(index)) return true;
  if (!fs.existsSync(srcDir)) return false;
  return newestMtime(srcDir) > fs.statSync(index).mtimeMs;
}

const LOCK_STALE_MS = 120_000;

/** one build at a time across processes (parallel test files, two instances starting): a lock file next to dist */
async function withBuildLock<T>(distDir: string, f: () => Promise<T>): Promise<T> {
  const lock = path.join(path.dirname(distDir), '.emulator-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.rmSync(lock, { force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await f();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * Builds the page with Vite's JS API when needed. Resolves with whether it built. Vite is a development
 * dependency: an install without it (npm ci --omit=dev) must ship a built dist/emulator, and says so here.
 */
export async function ensureEmulatorBuilt(opts: { force?: boolean } = {}): Promise<boolean> {
  if (!opts.force && !emulatorBuildNeeded()) return false;
  return withBuildLock(EMULATOR_DIST_DIR, async () => {
    // another process may have built it while this one waited
    if (!opts.force && !emulatorBuildNeeded()) return false;
    let vite: typeof import('vite');
    try {
      vite = await import('vite');
    } catch {
      throw new Error(
        'dist/emulator is missing and vite is not installed: run `npm ci` (with dev dependencies) and `npm run build`',
      );
    }
    await vite.build({ configFile: EMULATOR_VITE_CONFIG, logLevel: 'warn' });
    return true;
  });
}
