/**
 * CI's production smoke test (`.ci/run` calls it after the tests; `npx tsx scripts/prod-smoke.ts`). It does what the
 * image does, without Docker:
 *   1. compiles the server once (`npm run build:server` → dist/);
 *   2. makes a production install in a temporary directory: the build's node_modules pruned to the production
 *      dependencies (`npm prune --omit=dev` and scripts/prune-optional-peers.mjs, as the Dockerfile's build stage
 *      does), plus dist/, prisma/ and
 *      templates/ copied (not linked, so nothing resolves back to this checkout's dev dependencies), and checks that
 *      no dev tool (tsx, typescript, vitest, vite, biome, playwright, prisma's CLI, patch-package) is left;
 *   3. starts a throw-away PostgreSQL and Redis (as the test suite does), checks the app refuses the unmigrated
 *      database, runs `node dist/cli/index.js db migrate`
 *      twice at once (the migration lock), then `NODE_ENV=production node dist/app/main.js` exactly as the image's
 *      command, with both platforms configured with made-up credentials whose API bases are local platform servers
 *      started here, and a second instance with WeCom only;
 *   4. sends one really signed callback per platform (200, the answer arrives) and forged, demo-signed and
 *      unconfigured ones (401 / 404), and checks that /emulator does not exist.
 * Exits non-zero with the reason on the first failure.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DEMO_CREDENTIALS as DINGTALK_DEMO } from '../src/local/dingtalk/demo.js';
import { LocalDingtalkServer } from '../src/local/dingtalk/local-server.js';
import { DEMO_CREDENTIALS as WECOM_DEMO } from '../src/local/wecom/demo.js';
import { LocalWecomServer } from '../src/local/wecom/local-server.js';
import { DingtalkTestClient } from '../test/support/dingtalk/client.js';
import { setup as startServers, teardown as stopServers } from '../test/support/global-setup.js';
import { dingtalkEnv, madeUpDingtalk, madeUpWecom, wecomEnv } from '../test/support/made-up.js';
import { WecomTestClient } from '../test/support/wecom/client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const step = (s: string) => console.log(`== prod-smoke ${((performance.now() - started) / 1000).toFixed(1)}s: ${s}`);

function check(ok: unknown, what: string): void {
  if (!ok) throw new Error(`prod-smoke: ${what}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** polls `f` until it returns a value, or fails after `ms` (a condition, not a sleep) */
async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`prod-smoke: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function productionInstall(): string {
  // SMOKE_REUSE_BUILD=1 reuses dist/ (iterating on this script); CI always compiles
  if (process.env.SMOKE_REUSE_BUILD !== '1') {
    step('npm run build:server');
    execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-prod-'));
  step(`production install in ${dir}`);
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const d of ['dist', 'prisma', 'templates'])
    fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true, filter: (src) => !src.endsWith('.map') });
  // hard links: fast, and prune only unlinks; npm's own lockfile inside node_modules is rewritten, so it is a copy
  execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(dir, 'node_modules')]);
  const hidden = path.join(dir, 'node_modules/.package-lock.json');
  fs.rmSync(hidden, { force: true });
  fs.copyFileSync(path.join(root, 'node_modules/.package-lock.json'), hidden);
  execFileSync('npm', ['prune', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  execFileSync(process.execPath, [path.join(root, 'scripts/prune-optional-peers.mjs'), dir], { stdio: 'inherit' });
  const left = [
    'tsx',
    'typescript',
    'vitest',
    'vite',
    '@biomejs/biome',
    'playwright-core',
    'prisma',
    'patch-package',
    'esbuild',
  ].filter((p) => fs.existsSync(path.join(dir, 'node_modules', p)));
  check(!left.length, `dev tools left in the production install: ${left.join(', ')}`);
  check(!fs.existsSync(path.join(dir, 'dist/local')), 'dist/local exists');
  return dir;
}

interface App {
  url: string;
  child: ChildProcess;
  log: string[];
}

function runNode(dir: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

async function startApp(dir: string, env: Record<string, string>): Promise<App> {
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(process.execPath, ['dist/app/main.js'], {
    cwd: dir,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stdio 'pipe' above: both streams exist
  child.stdout?.on('data', (d) => log.push(String(d)));
  child.stderr?.on('data', (d) => log.push(String(d)));
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  const url = `http://127.0.0.1:${port}`;
  await until('the app to answer /healthz', 30_000, async () => {
    if (exited !== null) throw new Error(`prod-smoke: the app exited with ${exited}:\n${log.join('')}`);
    return (await fetch(`${url}/healthz`)).status === 200 ? true : undefined;
  }).catch((e: Error) => {
    throw e.message.includes('exited') ? e : new Error(`${e.message}\n${log.join('')}`);
  });
  return { url, child, log };
}

async function stopApp(app: App): Promise<void> {
  if (app.child.exitCode !== null) return;
  const exited = new Promise<number | null>((r) => app.child.once('exit', (code) => r(code)));
  app.child.kill('SIGTERM');
  check((await exited) === 0, `the app did not stop cleanly on SIGTERM:\n${app.log.join('')}`);
}

const post = async (url: string, body: string, headers: Record<string, string>) => {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, body: await res.text() };
};

async function main(): Promise<void> {
  const dir = productionInstall();
  step('PostgreSQL and Redis');
  await startServers();
  const apps: App[] = [];
  const servers: { close(): Promise<void> }[] = [];
  try {
    const admin = process.env.TEST_PG_ADMIN_URL;
    const redisUrl = process.env.TEST_REDIS_URL;
    if (!admin || !redisUrl)
      throw new Error('prod-smoke: PostgreSQL or Redis did not start (apt-get install postgresql redis-server)');
    const dbName = `smoke_${process.pid}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`CREATE DATABASE "${dbName}"`);
    await c.end();
    const wecom = madeUpWecom();
    const dingtalk = madeUpDingtalk();
    const wecomServer = await LocalWecomServer.start({ creds: wecom });
    const dingtalkServer = await LocalDingtalkServer.start({ creds: dingtalk });
    servers.push(wecomServer, dingtalkServer);
    const base: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      DATABASE_URL: admin.replace(/\/postgres$/, `/${dbName}`),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: `smoke-${process.pid}`,
      ID_HASH_KEY: `smoke-${Math.random().toString(36).slice(2)}-${Date.now()}`,
      LOG_LEVEL: 'info',
    };

    step('the app before the migrations: refused, naming the step');
    const early = await runNode(dir, ['dist/app/main.js'], { ...base, ...wecomEnv(wecom, wecomServer.url) });
    check(
      early.code === 2 && early.out.includes('db migrate'),
      `the app started on an unmigrated database:\n${early.out}`,
    );

    step('db migrate, twice at once (one applies, the other waits on the lock and finds nothing to do)');
    const migrations = await Promise.all([
      runNode(dir, ['dist/cli/index.js', 'db', 'migrate'], base),
      runNode(dir, ['dist/cli/index.js', 'db', 'migrate'], base),
    ]);
    for (const m of migrations) check(m.code === 0, `db migrate failed:\n${m.out}`);
    check(
      migrations.filter((m) => m.out.includes('migrations applied')).length === 1,
      `exactly one migrate should apply the migrations:\n${migrations.map((m) => m.out).join('\n---\n')}`,
    );

    step('node dist/app/main.js with WeCom and DingTalk configured');
    const both = await startApp(dir, {
      ...base,
      ...wecomEnv(wecom, wecomServer.url),
      ...dingtalkEnv(dingtalk, dingtalkServer.url),
    });
    apps.push(both);
    step('node dist/app/main.js, a second instance, WeCom only');
    const wecomOnly = await startApp(dir, { ...base, ...wecomEnv(wecom, wecomServer.url) });
    apps.push(wecomOnly);

    // WeCom: a really signed and encrypted message → 200 with the bot's encrypted passive reply
    const wc = new WecomTestClient(wecom);
    for (const app of [both, wecomOnly]) {
      const cb = wc.seal(wc.text('smoke-user', '帮助'));
      const r = await post(app.url + cb.path, cb.body, { 'content-type': 'text/xml' });
      check(r.status === 200, `signed WeCom callback: HTTP ${r.status} ${r.body.slice(0, 200)}`);
      check(wc.openReply(r.body).Content, 'the WeCom passive reply has no text');
    }
    const forged = wc.seal(wc.text('smoke-user', '帮助'), { token: 'forged-token' });
    check((await post(both.url + forged.path, forged.body, {})).status === 401, 'a forged WeCom callback was not 401');
    const demo = new WecomTestClient(WECOM_DEMO);
    const demoCb = demo.seal(demo.text('smoke-user', '帮助'));
    check((await post(both.url + demoCb.path, demoCb.body, {})).status === 401, 'demo-signed WeCom was not 401');

    // DingTalk: a really signed robot message → 200, the answer arrives at the sessionWebhook
    const dt = new DingtalkTestClient(dingtalk);
    const body = JSON.stringify(
      dt.text('smoke-staff', '帮助', { session: dingtalkServer.openSession({ userId: 'smoke-staff' }) }),
    );
    const r = await post(`${both.url}/dingtalk/callback`, body, dt.headers());
    check(r.status === 200, `signed DingTalk callback: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    await until('the DingTalk answer', 15_000, async () =>
      dingtalkServer.messagesTo('smoke-staff').length ? true : undefined,
    );
    const forgedDt = await post(`${both.url}/dingtalk/callback`, body, dt.headers(Date.now(), DINGTALK_DEMO.appSecret));
    check(forgedDt.status === 401, `a DingTalk callback signed with the demo secret: HTTP ${forgedDt.status}`);

    // what is not configured does not exist
    const unconfigured = await post(`${wecomOnly.url}/dingtalk/callback`, body, dt.headers());
    check(unconfigured.status === 404, `DingTalk on the WeCom-only instance: HTTP ${unconfigured.status}`);
    for (const app of [both, wecomOnly])
      check((await fetch(`${app.url}/emulator/`)).status === 404, 'production serves /emulator');
    step('both instances answered, refused what they should, and stop');
    for (const app of apps.splice(0)) await stopApp(app);
  } finally {
    for (const app of apps) app.child.kill('SIGKILL');
    for (const s of servers) await s.close();
    await stopServers();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  step('ok');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
