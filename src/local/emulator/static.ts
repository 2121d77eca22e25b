/**
 * Serves the built page (dist/emulator) under /emulator. Vite names assets by content hash, so they are cached
 * for good; index.html is revalidated so a rebuild shows at the next reload. Only files inside the folder are
 * served (no path escapes it).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** `rel` is the path below /emulator/ ('' for the page itself); false when there is no such file */
export async function serveBuilt(ctx: Context, distDir: string, rel: string): Promise<boolean> {
  const root = path.resolve(distDir);
  const file = path.resolve(root, rel === '' ? 'index.html' : decodeURIComponent(rel));
  if (file !== root && !file.startsWith(root + path.sep)) return false;
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  ctx.type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  ctx.set('Cache-Control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.length = stat.size;
  ctx.body = fs.createReadStream(file);
  return true;
}
