/**
 * The emulator in a real browser (Debian's Chromium): the page loads offline from the app, a person is picked,
 * what they type goes through the platform's real callback and the bot's reply shows in the chat.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, type EmulatorApp, launchChromium, noChromium, startEmulatorApp } from './support.js';

let app: EmulatorApp;
let session: BrowserSession;
let page: Page;
const external: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (noChromium) return;
  app = await startEmulatorApp();
  session = await launchChromium();
  page = await session.context.newPage();
  page.on('request', (r) => {
    if (!r.url().startsWith(app.url) && !r.url().startsWith('data:')) external.push(r.url());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

const chat = () => page.getByTestId('chat-log');

describe.skipIf(noChromium)('emulator page in Chromium', () => {
  it('loads from the app with no request elsewhere, lists the platform and the six demo people', async () => {
    await page.goto(`${app.url}/emulator/`);
    await page.locator('body[data-ready=true]').waitFor();
    const platforms = await page.getByTestId('platform').locator('option').allTextContents();
    expect(platforms.length).toBeGreaterThan(0);
    expect(platforms).toContain('企业微信');
    for (const id of [
      'demo-worker-1',
      'demo-worker-2',
      'demo-worker-3',
      'demo-rep-1',
      'demo-officer-1',
      'demo-centre-1',
    ])
      await expect(page.getByTestId(`person-${id}`).count()).resolves.toBe(1);
    expect(await page.getByTestId('person-demo-worker-3').textContent()).toContain('未绑定');
    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('on every platform offered, a person is picked, types a question, and the bot’s reply appears in the chat', async () => {
    const platforms = await page
      .getByTestId('platform')
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    for (const platform of platforms) {
      await page.getByTestId('platform').selectOption(platform);
      await expect.poll(() => page.locator('body').getAttribute('data-platform')).toBe(platform);
      await page.getByTestId('person-demo-worker-1').click();
      await expect.poll(() => page.getByTestId('chat-title').textContent()).toContain('demo-worker-1');
      await page.getByTestId('composer-input').fill('我参加了吗');
      await page.getByTestId('composer-input').press('Enter');
      await chat().locator('[data-testid=msg-out][data-state=delivered]').filter({ hasText: '我参加了吗' }).waitFor();
      await expect
        .poll(() => chat().locator('[data-testid=msg-in]').allTextContents(), { timeout: 10_000 })
        .toContainEqual(expect.stringContaining('林海燕'));
      expect(page.url()).toContain(`#/${platform}/demo-worker-1`);
    }
    expect(pageErrors).toEqual([]);
  });
});
