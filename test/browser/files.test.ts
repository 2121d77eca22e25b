/**
 * Files on the emulator page in a real browser: the admin picks an XLSX with the 文件 button (it goes through the
 * platform's real signed file callback), gets the summary card and confirms it; 导出进度表 comes back as a link
 * whose download is the workbook.
 */
import fs from 'node:fs';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { forgetPeople } from '../../src/services/people.js';
import { type BrowserSession, type EmulatorApp, launchChromium, noChromium, startEmulatorApp } from './support.js';

let app: EmulatorApp;
let session: BrowserSession;
let page: Page;
const pageErrors: string[] = [];
const ADMIN = 'demo-officer-1';

beforeAll(async () => {
  if (noChromium) return;
  app = await startEmulatorApp();
  const db = app.t.rt.db;
  const fed = await db.org.findUniqueOrThrow({ where: { code: 'HN' } });
  const ident = await db.chatIdentity.findFirstOrThrow({ where: { userId: ADMIN } });
  await db.roleGrant.create({ data: { memberId: ident.memberId, role: 'admin', orgId: fed.id } });
  forgetPeople(db);
  session = await launchChromium();
  page = await session.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 120_000);

afterAll(async () => {
  await session?.close();
  await app?.stop();
});

const chat = () => page.getByTestId('chat-log');

describe.skipIf(noChromium)('files on the emulator page', () => {
  it('an admin sends an organisations XLSX, confirms the card, and downloads the progress table', async () => {
    await page.goto(`${app.url}/emulator/`);
    await page.getByTestId(`person-${ADMIN}`).click();
    await expect.poll(() => page.getByTestId('chat-title').textContent()).toContain(ADMIN);

    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('组织').addRows([
      ['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员总数'],
      ['BR-OFF', '浏览器县总工会', '办事处', 'HN', '市、县工会', 10],
    ]);
    await page.getByTestId('file-input').setInputFiles({
      name: '组织.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      buffer: Buffer.from(await wb.xlsx.writeBuffer()),
    });
    const card = chat().locator('[data-testid=card]').filter({ hasText: '导入确认：组织文件' });
    await card.waitFor({ timeout: 15_000 });
    await card.getByRole('button', { name: '确认导入' }).click();
    await chat().locator('[data-testid=msg-in]').filter({ hasText: '已导入组织文件' }).waitFor({ timeout: 15_000 });
    expect(await app.t.rt.db.org.count({ where: { code: 'BR-OFF' } })).toBe(1);

    await page.getByTestId('composer-input').fill('导出进度表');
    await page.getByTestId('composer-input').press('Enter');
    const link = chat().getByTestId('file-link').last();
    await link.waitFor({ timeout: 15_000 });
    expect(await link.textContent()).toMatch(/^医疗互助工作进度表-.+\.xlsx$/);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const saved = await download.path();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(fs.readFileSync(must(saved, 'the download was saved')) as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toContain('市、县工会');
    expect(pageErrors).toEqual([]);
  });
});
