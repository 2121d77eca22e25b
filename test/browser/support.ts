/**
 * The browser test's machinery: Debian's Chromium driven by playwright-core (never a downloaded browser), and the
 * app on a fresh SQLite database with the demo data, serving /emulator.
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { channelFactories, platformNames } from '../../src/channels/index.js';
import { createWecomChannel } from '../../src/channels/wecom/index.js';
import { ensureEmulatorBuilt } from '../../src/emulator/build.js';
import { createEmulatorRouter } from '../../src/emulator/router.js';
import { createApp } from '../../src/server.js';
import { FROZEN_NOW, startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';

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
 * The app as `npm start` runs it, on a fresh database with the demo data, the page built when needed. Until the
 * composition root registers the channels and mounts the emulator router, this does both itself.
 */
export async function startEmulatorApp(o: TestAppOptions = {}): Promise<EmulatorApp> {
  await ensureEmulatorBuilt();
  const wired = channelFactories.length > 0 && platformNames.length > 0;
  const t = await startTestApp({ ...(wired ? {} : { channels: [createWecomChannel], demo: false }), ...o });
  if (!wired) {
    const db = t.rt.db;
    const hashKey = t.rt.config.ID_HASH_KEY;
    const { loadDemo } = await import('../../src/services/demo/load.js');
    const { shanghaiDate } = await import('../../src/rules/index.js');
    await loadDemo({
      db,
      hashKey,
      scale: 1000,
      today: shanghaiDate(FROZEN_NOW),
      platforms: [...t.app.channels.keys()],
    });
    for (const ch of t.app.channels.values()) {
      const e = ch.emulator as { appUrl?: string } | undefined;
      if (e && 'appUrl' in e) e.appUrl = t.app.url;
    }
  }
  const mounted = (await fetch(`${t.app.url}/emulator/api/platforms`)).status === 200;
  if (mounted) return { t, url: t.app.url, stop: () => t.stop() };
  const router = createEmulatorRouter({
    db: t.rt.db,
    channels: t.app.channels,
    clock: t.app.clock,
    background: t.app.background,
    log: t.rt.log,
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
