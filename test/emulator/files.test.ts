/**
 * The emulator's files, against the real local mode (not the fake channel): a file sent from the page goes through
 * the platform's real signed callback and media download, and a file the app sends comes back to the page with
 * its bytes (the page shows it as a download link).
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import type { ApiMessage } from '../../src/local/emulator/api.js';
import { forgetPeople } from '../../src/services/people.js';
import { startTestApp, type TestApp } from '../support/app.js';

const ADMIN = 'demo-officer-1';

describe('files through the emulator', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ schedules: false });
    const fed = await t.rt.db.org.findUniqueOrThrow({ where: { code: 'HN' } });
    const ident = await t.rt.db.chatIdentity.findFirstOrThrow({ where: { userId: ADMIN } });
    await t.rt.db.roleGrant.create({ data: { memberId: ident.memberId, role: 'admin', orgId: fed.id } });
    forgetPeople(t.rt.db);
  });
  afterAll(async () => {
    await t?.stop();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${t.app.url}/emulator/api${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const messages = async (platform: string, after = 0): Promise<ApiMessage[]> =>
    (await (
      await fetch(`${t.app.url}/emulator/api/messages?platform=${platform}&userId=${ADMIN}&after=${after}`)
    ).json()) as ApiMessage[];

  it.each(['wecom', 'dingtalk'])('%s: an XLSX sent from the page gets the summary card', async (platform) => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('组织').addRows([
      ['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员总数'],
      [`EMU-${platform}`, `模拟器${platform}县总工会`, '办事处', 'HN', '市、县工会', 10],
    ]);
    const base64 = Buffer.from(await wb.xlsx.writeBuffer()).toString('base64');
    const before = (await messages(platform)).at(-1)?.seq ?? 0;
    const res = await post('/file', { platform, userId: ADMIN, name: '组织.xlsx', base64 });
    expect(res.status).toBe(200);
    const card = (await messages(platform, before)).find((m) => m.kind === 'card');
    expect(card?.card?.title).toBe('导入确认：组织文件');
    expect(card?.card?.buttons.map((b) => b.text)).toEqual(['确认导入', '取消']);
  });

  it.each(['wecom', 'dingtalk'])('%s: 导出进度表 comes back as a file the page can download', async (platform) => {
    const before = (await messages(platform)).at(-1)?.seq ?? 0;
    expect((await post('/send', { platform, userId: ADMIN, text: '导出进度表' })).status).toBe(200);
    const file = (await messages(platform, before)).find((m) => m.kind === 'file');
    expect(file?.file?.name).toMatch(/\.xlsx$/);
    const dataUrl = must(file?.file?.dataUrl, 'the file message carries its bytes as a data URL');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64') as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toContain('市、县工会');
  });

  it('a file too large or not base64 is refused with a reason', async () => {
    const bad = await post('/file', { platform: 'wecom', userId: ADMIN, name: 'x.xlsx', base64: 'not base64!' });
    expect(bad.status).toBe(400);
  });
});
