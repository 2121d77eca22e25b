/**
 * The browser test's machinery: Debian's Chromium driven by playwright-core (never a downloaded browser), and the
 * app on a fresh SQLite database with the demo data, serving /emulator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { ensureEmulatorBuilt } from '../../src/local/emulator/build.js';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** without Chromium the browser suites are skipped (the global setup says so once; in CI it is an error there) */
export const noChromium = !fs.existsSync(CHROMIUM);

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
  /** the app, which serves /emulator */
  url: string;
  stop(): Promise<void>;
}

/**
 * The app as `npm start` runs it (every registered channel against its local platform server, the emulator
 * mounted), on a fresh database with the demo data, the page built when needed.
 */
export async function startEmulatorApp(o: TestAppOptions = {}): Promise<EmulatorApp> {
  await ensureEmulatorBuilt();
  const t = await startTestApp(o);
  return { t, url: t.app.url, stop: () => t.stop() };
}
