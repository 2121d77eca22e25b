import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts the real services the suite needs: Debian's redis-server and PostgreSQL, each on a free loopback port
 * in a throw-away directory. An already given TEST_REDIS_URL / TEST_DATABASE_URL_PG is used as is.
 * A missing server binary is an error in CI (CI=true) and a skipped backend on a developer machine, said in one
 * line. Where each is looked for can be pointed elsewhere (to a missing path, to see the skips):
 * `redis-server` on PATH, PostgreSQL's newest bin/ under TEST_POSTGRES_ROOT (/usr/lib/postgresql), Chromium at
 * CHROMIUM_PATH (/usr/bin/chromium; test/browser/support.ts reads the same variable).
 */
const children: ChildProcess[] = [];
let pgDir: string | null = null;
let pgCtl: string | null = null;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open within ${ms} ms`);
}

function which(bin: string, extra: string[] = []): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...extra]) {
    const p = path.join(dir, bin);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function missing(what: string, suites: string): void {
  if (process.env.CI)
    throw new Error(`${what} is required in CI (apt-get install -y redis-server postgresql chromium)`);
  console.warn(`[test setup] ${what} not found: ${suites} skipped`);
}

/** the browser suites need Debian's Chromium; they skip themselves when it is missing (test/browser/support.ts) */
function checkChromium(): void {
  const bin = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(bin)) missing(`Chromium (${bin})`, 'the browser suites (test/browser) are');
}

async function startRedis(): Promise<void> {
  if (process.env.TEST_REDIS_URL) return;
  const bin = which('redis-server');
  if (!bin) return missing('redis-server', 'the Redis store, queue and two-instance suites are');
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  children.push(child);
  await waitForPort(port, 10_000);
  process.env.TEST_REDIS_URL = `redis://127.0.0.1:${port}`;
}

async function startPostgres(): Promise<void> {
  if (process.env.TEST_DATABASE_URL_PG) return;
  const root = process.env.TEST_POSTGRES_ROOT ?? '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort() : [];
  const newest = versions.at(-1);
  const binDir = newest ? path.join(root, newest, 'bin') : null;
  if (!binDir || !fs.existsSync(path.join(binDir, 'postgres')))
    return missing('PostgreSQL server', 'the database suites run on SQLite only, the PostgreSQL runs are');
  pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-pg-'));
  const port = await freePort();
  // PostgreSQL refuses to run as root: run it as the postgres user that Debian's package creates.
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' })
      : execFileSync(cmd, args, { stdio: 'pipe' });
  if (asRoot) execFileSync('chown', ['postgres:postgres', pgDir]);
  const data = path.join(pgDir, 'data');
  run(path.join(binDir, 'initdb'), ['-D', data, '-U', 'huzhu', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  pgCtl = path.join(binDir, 'pg_ctl');
  run(pgCtl, [
    '-D',
    data,
    '-l',
    path.join(pgDir, 'log'),
    '-o',
    `-p ${port} -k ${pgDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off`,
    '-w',
    'start',
  ]);
  const runAs = (cmd: string, args: string[]) => run(cmd, args);
  runAs(path.join(binDir, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'huzhu', 'huzhu']);
  process.env.TEST_DATABASE_URL_PG = `postgresql://huzhu@127.0.0.1:${port}/huzhu`;
  process.env.TEST_PG_ADMIN_URL = `postgresql://huzhu@127.0.0.1:${port}/postgres`;
}

export async function setup(): Promise<void> {
  checkChromium();
  await Promise.all([startRedis(), startPostgres()]);
}

export async function teardown(): Promise<void> {
  for (const c of children) c.kill('SIGTERM');
  if (pgCtl && pgDir) {
    const args = ['-D', path.join(pgDir, 'data'), '-m', 'immediate', 'stop'];
    try {
      if (process.getuid?.() === 0)
        execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { stdio: 'pipe' });
      else execFileSync(pgCtl, args, { stdio: 'pipe' });
    } catch {
      // already gone
    }
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
}
