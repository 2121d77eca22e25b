/**
 * Issue 9's story, end to end through the emulator page in Debian's Chromium, every step through the platform's
 * real callbacks: demo-worker-2 enrols; demo-worker-1 submits a claim with a photo; demo-officer-1 approves it
 * from the card; demo-worker-1 sees the approval; demo-rep-1 receives the ranking push with its chart. Then the
 * bad input: a message typed while the server is unreachable shows as not delivered and is sent again by its
 * retry; a click on a stale card someone else already decided shows who decided. Screenshots of each step go
 * to test-output/screenshots/; the story's duration is printed and written to test-output/emulator-story.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { platformNames } from '../../src/channels/index.js';
import { must } from '../../src/core/must.js';
import { type BrowserSession, type EmulatorApp, launchChromium, noChromium, startEmulatorApp } from './support.js';

// every run writes its screenshots to test-output/screenshots; EMULATOR_SCREENSHOTS=docs/screenshots refreshes the
// ones the README shows
const SHOTS = path.resolve(process.env.EMULATOR_SCREENSHOTS ?? 'test-output/screenshots');
const WAIT = { timeout: 20_000, interval: 100 };
let app: EmulatorApp;
let session: BrowserSession;
let page: Page;
let platform: string;
let claimId = 0;
/** the app before the restart test stopped its server: its runtime is closed at the end */
let restartedFrom: EmulatorApp | undefined;
const pageErrors: string[] = [];
let timings: Record<string, number> = {};
const stories: Record<string, { totalMs: number; steps: Record<string, number> }> = {};

/** a photo of a hospital invoice, as a phone would send it */
async function invoicePhoto(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="320">
    <rect width="480" height="320" fill="#fbf8ef"/><rect x="16" y="16" width="448" height="288" fill="none" stroke="#b33" stroke-width="3"/>
    <text x="240" y="70" font-size="28" text-anchor="middle" fill="#b33" font-family="WenQuanYi Micro Hei, sans-serif">住院收费票据</text>
    <text x="40" y="130" font-size="20" font-family="WenQuanYi Micro Hei, sans-serif">海南省人民医院</text>
    <text x="40" y="180" font-size="20" font-family="WenQuanYi Micro Hei, sans-serif">合计：30,000.00 元</text>
    <text x="40" y="230" font-size="20" font-family="WenQuanYi Micro Hei, sans-serif">医保统筹支付：10,000.00 元</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const chat = (p: Page = page) => p.getByTestId('chat-log');
const incoming = (p: Page = page) => chat(p).locator('[data-testid=msg-in]');

/** the first platform's shots keep plain names (the README shows two); the others' are prefixed */
async function shot(name: string, p: Page = page): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SHOTS, platform === platformNames[0] ? name : `${platform}-${name}`) });
}

async function pick(userId: string, p: Page = page): Promise<void> {
  await p.getByTestId(`person-${userId}`).click();
  await expect.poll(() => p.getByTestId('chat-title').textContent(), WAIT).toContain(userId);
}

/** what arrived in the chat after the first `from` messages */
async function arrivedSince(from: number, p: Page = page): Promise<string> {
  return (await incoming(p).allTextContents()).slice(from).join('\n');
}

/** types `text` like a person (Enter sends) and waits for a reply matching `expected` */
async function say(text: string, expected: string | RegExp, p: Page = page): Promise<string> {
  const before = await incoming(p).count();
  await p.getByTestId('composer-input').fill(text);
  await p.getByTestId('composer-input').press('Enter');
  await chat(p).locator('[data-testid=msg-out][data-state=delivered]').filter({ hasText: text }).last().waitFor();
  await expect.poll(() => arrivedSince(before, p), WAIT).toMatch(expected);
  return arrivedSince(before, p);
}

function cardOf(id: number, p: Page = page): Locator {
  return chat(p)
    .locator('[data-testid=card]')
    .filter({ hasText: `#${id}` })
    .last();
}

async function timed<T>(step: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    timings[step] = Math.round(performance.now() - t0);
  }
}

/**
 * The story runs on every registered platform, each on a fresh app; EMULATOR_STORY_PLATFORMS=wecom (a list) runs
 * it on those only.
 */
const wanted = process.env.EMULATOR_STORY_PLATFORMS;
const storyPlatforms = !wanted || wanted === 'all' ? [...platformNames] : wanted.split(',');

describe.skipIf(noChromium).each(storyPlatforms)('on %s', (which) => {
  beforeAll(async () => {
    platform = which;
    timings = {};
    pageErrors.length = 0;
    // the schedules do not run by themselves: the page's control runs today's push, so the story shows it works
    app = await startEmulatorApp({ schedules: false });
    session = await launchChromium();
    page = await session.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${app.url}/emulator/#/${which}/demo-worker-2`);
    await page.locator('body[data-ready=true]').waitFor();
    expect(await page.getByTestId('platform').inputValue()).toBe(which);
  }, 120_000);

  beforeEach(({ task, onTestFailed }) => {
    onTestFailed(async () => {
      fs.mkdirSync('test-output', { recursive: true });
      const name = task.name.slice(0, 40).replace(/[^\w-]+/g, '_');
      const rows = await app.t.rt.db.delivery.findMany({
        select: { key: true, status: true, attempts: true, error: true },
      });
      fs.writeFileSync(
        `test-output/failed-${task.name.slice(0, 40).replace(/[^\w-]+/g, '_')}-deliveries.json`,
        JSON.stringify(rows, null, 1),
      );
      for (const [i, p] of session.context.pages().entries())
        await p.screenshot({ path: `test-output/failed-${name}-${i}.png` });
    });
  });

  afterAll(async () => {
    const total = Object.entries(timings)
      .filter(([k]) => k.startsWith('story:'))
      .reduce((a, [, v]) => a + v, 0);
    if (total) {
      stories[which] = { totalMs: total, steps: timings };
      fs.mkdirSync('test-output', { recursive: true });
      fs.writeFileSync('test-output/emulator-story.json', `${JSON.stringify(stories, null, 2)}\n`);
      console.log(`emulator story on ${which}: ${(total / 1000).toFixed(1)} s`, timings);
    }
    await session?.close();
    await app?.stop();
    if (restartedFrom) {
      await restartedFrom.t.rt.close();
      const url = restartedFrom.t.rt.config.DATABASE_URL;
      if (url.startsWith('file:')) fs.rmSync(url.slice('file:'.length), { force: true });
      restartedFrom = undefined;
    }
  });

  describe('the story through the emulator page', () => {
    it('demo-worker-2 enrols (新参, fee from the policy)', async () => {
      await timed('story:1 enrol', async () => {
        await pick('demo-worker-2');
        expect(await say('我要参加', '新参')).toMatch(/元/);
        expect(await say('确认', '报名成功')).toContain('陈建国');
      });
      await shot('01-enrol.png');
    });

    it('demo-worker-1 submits a claim with a photo of the invoice', async () => {
      await timed('story:2 claim', async () => {
        await pick('demo-worker-1');
        await say('申请补助', '第 1 步');
        await say('海南省人民医院', '第 2 步');
        await say('2月3日', '第 3 步');
        await say('2月10日', '第 4 步');
        await say('3万', '第 5 步');
        await say('1万', '第 6 步');
        await say('8000', '第 7 步');
        await say('否', '第 8 步');
        const before = await incoming().count();
        await page
          .getByTestId('image-input')
          .setInputFiles({ name: 'invoice.png', mimeType: 'image/png', buffer: await invoicePhoto() });
        await chat().locator('[data-testid=msg-out][data-state=delivered] img').last().waitFor();
        await expect.poll(() => arrivedSince(before), WAIT).toContain('已收到第 1 张照片');
        expect(await say('完成', '预计补助')).toContain('海南省人民医院');
        const submitted = await say('确认', /补助申请 #\d+ 已提交/);
        claimId = Number(/#(\d+) 已提交/.exec(submitted)?.[1]);
        expect(claimId).toBeGreaterThan(0);
      });
      await shot('02-claim-submitted.png');
    });

    it('demo-officer-1 gets the card and approves it with its button; the card turns final', async () => {
      await timed('story:3 approve', async () => {
        await expect
          .poll(() => page.getByTestId('person-demo-officer-1').locator('[data-testid=unread]').count(), WAIT)
          .toBe(1);
        await pick('demo-officer-1');
        const card = cardOf(claimId);
        await card.waitFor();
        expect(await card.textContent()).toContain('林*燕');
        const before = await incoming().count();
        await card.getByRole('button', { name: '批准' }).click();
        await cardOf(claimId).and(page.locator('.final')).waitFor();
        await expect.poll(() => arrivedSince(before), WAIT).toContain(`已批准补助申请 #${claimId}`);
      });
      await shot('03-officer-approves.png');
    });

    it('demo-worker-1 sees the approval', async () => {
      await timed('story:4 worker sees', async () => {
        await pick('demo-worker-1');
        await expect
          .poll(() => arrivedSince(0), WAIT)
          .toMatch(new RegExp(`补助申请 #${claimId}（海南省人民医院）已批准`));
      });
      await shot('04-worker-approved.png');
    });

    it("demo-rep-1 receives today's ranking push with its chart; the group chat gets the progress table", async () => {
      await pick('demo-rep-1');
      await page.waitForTimeout(1_500); // a poll cycle (not counted in the story's time): nothing has come yet
      expect(await arrivedSince(0)).not.toContain('进度日报');
      await timed('story:5 ranking', async () => {
        await page.getByTestId('run-schedules').click();
        await expect
          .poll(() => page.getByTestId('status').textContent(), { ...WAIT, timeout: 60_000 })
          .toContain('已运行');
        await expect.poll(() => arrivedSince(0), WAIT).toContain('进度日报');
        const chart = incoming().locator('img.msg-image').last();
        await chart.waitFor();
        const size = await chart.evaluate((img) => ({ w: (img as unknown as { naturalWidth: number }).naturalWidth }));
        expect(size.w).toBeGreaterThan(200);
        await expect.poll(() => page.getByTestId('group-log').textContent(), WAIT).toContain('工作进度表');
      });
      await shot('05-rep-ranking-push.png');
      expect(pageErrors).toEqual([]);
    }, 120_000);
  });

  describe('bad input through the emulator page', () => {
    it('a message typed while the server cannot be reached shows as not delivered; its retry delivers it', async () => {
      await pick('demo-worker-2');
      await page.route('**/emulator/api/send', (r) => r.abort('connectionrefused'));
      await page.getByTestId('composer-input').fill('我参加了吗');
      await page.getByTestId('composer-input').press('Enter');
      const bubble = chat().locator('[data-testid=msg-out]').filter({ hasText: '我参加了吗' }).last();
      await bubble.and(page.locator('[data-state=failed]')).waitFor();
      expect(await bubble.textContent()).toContain('未送达');
      await shot('06-not-delivered.png');
      await page.unroute('**/emulator/api/send');
      const before = await incoming().count();
      await bubble.getByTestId('retry').click();
      await bubble.and(page.locator('[data-state=delivered]')).waitFor();
      await expect.poll(() => arrivedSince(before), WAIT).toContain('符明亮');
    });

    it('a click on a stale card that another officer already decided shows who decided', async () => {
      const { db } = app.t.rt;
      const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
      const unit = await db.org.findFirstOrThrow({ where: { code: 'HN-HK-DEMO' } });
      const m = await db.member.create({
        data: { name: '郑晓东', idHash: 'browser-officer-2', idLast4: '0010', status: 'in_service', unitId: unit.id },
      });
      await db.roleGrant.create({ data: { memberId: m.id, role: 'officer', orgId: office.id } });
      await db.chatIdentity.create({ data: { platform, userId: 'officer-2', memberId: m.id } });

      // demo-worker-1 claims again (through the same API the page uses)
      const post = (p: string, body: unknown) =>
        fetch(`${app.url}/emulator/api/${p}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      for (const text of ['申请补助', '海南省人民医院', '2月12日', '2月20日', '2万', '1万', '6000', '否'])
        expect((await post('send', { platform, userId: 'demo-worker-1', text })).status).toBe(200);
      await post('image', {
        platform,
        userId: 'demo-worker-1',
        dataUrl: `data:image/png;base64,${(await invoicePhoto()).toString('base64')}`,
      });
      await post('send', { platform, userId: 'demo-worker-1', text: '完成' });
      await post('send', { platform, userId: 'demo-worker-1', text: '确认' });
      const claim = await db.claim.findFirstOrThrow({ where: { status: 'submitted' }, orderBy: { id: 'desc' } });

      // officer-2 has the card open on a second page whose view stops refreshing (a phone gone stale)
      const other = await session.context.newPage();
      await other.goto(`${app.url}/emulator/#/${platform}/officer-2`);
      await other.locator('body[data-ready=true]').waitFor();
      const stale = cardOf(claim.id, other);
      await stale.getByRole('button', { name: '批准' }).waitFor();
      await other.route('**/emulator/api/messages**', (r) => r.abort('connectionrefused'));

      await pick('demo-officer-1');
      await cardOf(claim.id).getByRole('button', { name: '批准' }).click();
      await cardOf(claim.id).and(page.locator('.final')).waitFor();

      await stale.getByRole('button', { name: '批准' }).click();
      await chat(other)
        .locator('[data-testid=msg-out][data-state=delivered]')
        .filter({ hasText: '你点击了「批准」' })
        .waitFor();
      await other.unroute('**/emulator/api/messages**');
      await expect
        .poll(() => arrivedSince(0, other), WAIT)
        .toMatch(new RegExp(`补助申请 #${claim.id} 已由 吴.?静 于 .+ 处理`));
      await cardOf(claim.id, other).and(other.locator('.final')).waitFor();
      await shot('07-already-decided.png', other);
      await other.close();
      expect(await db.approval.count({ where: { claimId: claim.id } })).toBe(1);
    });

    it('moves the clock to a date of the timeline and back to real time', async () => {
      const options = await page
        .getByTestId('clock-select')
        .locator('option')
        .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
      const date = must(
        options.find((v) => v !== ''),
        'the clock offers a date of the timeline',
      );
      await page.getByTestId('clock-select').selectOption(date);
      await expect.poll(() => page.getByTestId('clock-today').textContent(), WAIT).toBe(`今天 ${date}`);
      await page.getByTestId('clock-select').selectOption('');
      await expect.poll(() => page.getByTestId('clock-today').textContent(), WAIT).not.toBe(`今天 ${date}`);
    });
  });
  describe('the emulator keeps every message', () => {
    it('a reload shows the whole conversation again: the person’s own messages and the bot’s', async () => {
      await pick('demo-worker-1');
      const before = { out: await chat().locator('[data-testid=msg-out]').count(), in: await incoming().count() };
      expect(before.out).toBeGreaterThan(5);
      await page.reload();
      await page.locator('body[data-ready=true]').waitFor();
      await pick('demo-worker-1');
      await expect.poll(() => incoming().count(), WAIT).toBe(before.in);
      expect(await chat().locator('[data-testid=msg-out]').count()).toBe(before.out);
      const text = (await chat().textContent()) ?? '';
      // the person's own words, in their order, and the bot's answers between them
      expect(text.indexOf('海南省人民医院')).toBeGreaterThan(text.indexOf('申请补助'));
      expect(text).toContain('第 8 步');
      expect(await chat().locator('[data-testid=msg-out] img').count()).toBeGreaterThan(0);
    });

    it('立即运行今日推送 says so when nothing is due (today’s were sent)', async () => {
      await page.getByTestId('run-schedules').click();
      await expect
        .poll(() => page.getByTestId('status').textContent(), { ...WAIT, timeout: 60_000 })
        .toContain('没有到期的推送或公告');
    }, 90_000);

    it('a server restart: the page reconnects, shows the server’s clock, keeps what it had and gets the new', async () => {
      await pick('demo-worker-2');
      // the clock moved to a date of the timeline; the restarted server runs on its own clock again
      const options = await page
        .getByTestId('clock-select')
        .locator('option')
        .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
      const date = must(
        options.find((v) => v !== ''),
        'the clock offers a date of the timeline',
      );
      // the timeline's labels with their dates filled in (参互报名截止（已延长至3月13日）), never a {date}
      expect(await page.getByTestId('clock-select').textContent()).not.toContain('{date}');
      await page.getByTestId('clock-select').selectOption(date);
      await expect.poll(() => page.getByTestId('clock-today').textContent(), WAIT).toBe(`今天 ${date}`);
      const had = await incoming().count();
      expect(had).toBeGreaterThan(0);

      const port = Number(new URL(app.url).port);
      const databaseUrl = app.t.rt.config.DATABASE_URL;
      restartedFrom = app;
      await app.t.app.stop();
      await expect.poll(() => page.getByTestId('status').textContent(), WAIT).toContain('连不上服务器');
      app = await startEmulatorApp({ schedules: false, databaseUrl, port });
      await expect.poll(() => page.getByTestId('status').textContent(), WAIT).toContain('服务器已重启');
      await expect.poll(() => page.getByTestId('clock-today').textContent(), WAIT).toBe('今天 2026-03-02');
      expect(await incoming().count()).toBe(had);
      // the new process's first message (its seq 1 again) shows too
      expect(await say('我参加了吗', '符明亮')).toContain('第二期');
      expect(await incoming().count()).toBeGreaterThan(had);
      await shot('08-after-restart.png');
      // and a reload after the restart still has everything
      const all = await incoming().count();
      await page.reload();
      await page.locator('body[data-ready=true]').waitFor();
      await pick('demo-worker-2');
      await expect.poll(() => incoming().count(), WAIT).toBe(all);
    }, 120_000);

    it('works at phone width (360 px): nothing wider than the screen, the chat and its composer in reach', async () => {
      await page.setViewportSize({ width: 360, height: 740 });
      await pick('demo-worker-1');
      const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
      expect(width).toBeLessThanOrEqual(360);
      const box = must(await page.getByTestId('composer-input').boundingBox(), 'the composer is shown');
      expect(box.x + box.width).toBeLessThanOrEqual(360);
      expect(await say('截止日期', '重要日期')).toContain('参互报名截止');
      await shot('09-phone.png');
      await page.setViewportSize({ width: 1360, height: 860 });
    });
  });
});
