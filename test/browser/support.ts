/**
 * The browser test's machinery: Debian's Chromium driven by playwright-core (never a downloaded browser), and the
 * app on a fresh SQLite database with the demo data, serving /emulator.
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { ensureEmulatorBuilt } from '../../src/emulator/build.js';
import { createEmulatorRouter } from '../../src/emulator/router.js';
import { createApp } from '../../src/server.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium headless on a fresh profile (a persistent context is how playwright takes --user-data-dir) */
export async function launchChromium(): Promise<BrowserSession> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1360, height: 860 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface EmulatorApp {
  t: TestApp;
  /** where /emulator is served */
  url: string;
  stop(): Promise<void>;
}

/**
 * The app as `npm start` runs it (every registered channel against its local platform server), on a fresh
 * database with the demo data, the page built when needed. Until the composition root mounts the emulator
 * router, this serves it next to the app.
 */
export async function startEmulatorApp(o: TestAppOptions = {}): Promise<EmulatorApp> {
  await ensureEmulatorBuilt();
  const t = await startTestApp(o);
  const mounted = (await fetch(`${t.app.url}/emulator/api/platforms`)).status === 200;
  if (mounted) return { t, url: t.app.url, stop: () => t.stop() };
  const router = createEmulatorRouter({
    db: t.rt.db,
    channels: t.app.channels,
    clock: t.app.clock,
    background: t.app.background,
    log: t.rt.log,
    runSchedulesNow: schedulesNowFallback(t),
  });
  const side = createApp({ db: t.rt.db, store: t.app.store, log: t.rt.log, routers: [router] });
  const server = await new Promise<http.Server>((resolve) => {
    const s = side.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  return {
    t,
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    async stop() {
      await new Promise((r) => server.close(r));
      server.closeAllConnections();
      await t.stop();
    },
  };
}

/** until the composition root provides it: today's ranking push and deadline announcements on the app's runner */
function schedulesNowFallback(t: TestApp): () => Promise<void> {
  return async () => {
    await t.app.jobs.enqueue('ranking.daily', {});
    await t.app.jobs.enqueue('deadlines.daily', {});
    await t.app.jobs.idle();
  };
}
