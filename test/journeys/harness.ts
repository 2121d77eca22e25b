/**
 * Runs a journey suite once per platform: the same tests, a different PlatformDriver. Each suite gets a fresh app
 * (demo data, frozen clock) per test file, on SQLite; the approval suite also runs on PostgreSQL with Redis.
 */
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';
import type { PlatformDriver } from '../support/driver.js';
import { driverFor, platformsUnderTest } from '../support/drivers/index.js';

export const platforms = platformsUnderTest;

export interface JourneyContext {
  t: TestApp;
  d: PlatformDriver;
}

/** Starts an app for the suite; `ctx.t` and `ctx.d` are set in beforeAll. */
export function useApp(platform: string, opts: TestAppOptions = {}): JourneyContext {
  const ctx = {} as JourneyContext;
  beforeAll(async () => {
    ctx.t = await startTestApp(opts);
    ctx.d = driverFor(platform, ctx.t.app);
  });
  afterAll(async () => {
    await ctx.t?.stop();
  });
  return ctx;
}

/** Every text the user received, joined: what "the bot answers contains …" is checked against. */
export function said(msgs: { text: string }[]): string {
  return msgs.map((m) => m.text).join('\n');
}

/** a 1×1 PNG: a photo of a document as far as the bot can tell */
export const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export interface ClaimAnswers {
  admitted: string;
  discharged: string;
  total: string;
  basic: string;
  selfPaid: string;
}

/**
 * A worker fills the whole claim form (Hainan's 8 questions, one photo, 完成) and answers 确认; resolves with the
 * claim number the bot gave. A refusal throws with the bot's answer (tests of refusals fill the form themselves).
 */
export async function fileClaim(d: PlatformDriver, who: string, a: ClaimAnswers): Promise<{ id: number }> {
  for (const text of ['申请补助', '海南省人民医院', a.admitted, a.discharged, a.total, a.basic, a.selfPaid, '否'])
    await d.say(who, text);
  await d.sendImage(who, PHOTO);
  await d.say(who, '完成');
  const answer = said(await d.say(who, '确认'));
  const m = /#(\d+) 已提交/.exec(answer);
  if (!m) throw new Error(`the claim was not submitted: ${answer}`);
  return { id: Number(m[1]) };
}
