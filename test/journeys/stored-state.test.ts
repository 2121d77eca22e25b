/**
 * Issue #13: what the bot reads back from the shared store is parsed, not trusted. A dialog, a clarifying
 * question or a cached status that is garbage (not JSON) or an older shape is dropped — the person is answered
 * as if there were none — and a warning names the key's kind and the failing fields, never their values.
 * Driven through the signed webhooks of each platform after writing into the store keys the bot uses.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dialogKey } from '../../src/bot/dialog.js';
import { createLog } from '../../src/core/log.js';
import type { Platform } from '../../src/core/messages.js';
import { currentPeriod } from '../../src/services/periods.js';
import { platforms, said, useApp } from './harness.js';

describe.each(platforms)('state read back from the store on %s', (platform) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const ctx = useApp(platform, { schedules: false, log: createLog('debug', sink) });
  const warnings = (stored: string) =>
    lines
      .map((l) => JSON.parse(l) as { msg: string; stored?: string; issues?: string[] })
      .filter((l) => l.stored === stored);
  const put = (key: string, value: string) => ctx.t.app.store.set(key, value, 60_000);
  const dialogOf = (user: string) => dialogKey(platform as Platform, user);

  it('a dialog that is not JSON is no dialog: the message is answered, 取消 finds nothing, and it is logged', async () => {
    await put(dialogOf('demo-worker-1'), '{"flow":"claim","step":"hosp');
    const r = said(await ctx.d.say('demo-worker-1', '我参加了吗'));
    expect(r).toContain('您已参加第二期');
    expect(said(await ctx.d.say('demo-worker-1', '取消'))).toContain('当前没有进行中的办理事项');
    expect(warnings('dialog').length).toBeGreaterThan(0);
    expect(warnings('dialog')[0]?.issues).toEqual(['not JSON']);
  });

  it('a dialog of an older shape is dropped: 继续 has nothing to resume, and a new claim starts at step 1', async () => {
    const before = warnings('dialog').length;
    // a claim form without its draft, and a hospital typed into it: the values never reach the log
    await put(
      dialogOf('demo-worker-2'),
      JSON.stringify({ flow: 'claim', step: 'total', periodId: 1, hospital: '秘密医院' }),
    );
    expect(said(await ctx.d.say('demo-worker-2', '继续'))).toContain('当前没有需要继续的事项');
    const logged = warnings('dialog').slice(before);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]?.issues).toContain('draft: invalid_type');
    expect(lines.join('')).not.toContain('秘密医院');

    // a flow this version does not have: an enrolled worker starts a claim afresh, and that form is a real one
    await put(dialogOf('demo-worker-1'), JSON.stringify({ flow: 'retired-flow', step: 1 }));
    expect(said(await ctx.d.say('demo-worker-1', '申请补助'))).toContain('第 1 步');
    expect(said(await ctx.d.say('demo-worker-1', '取消'))).toContain('已取消补助申请');
  });

  it('a person not bound yet with a garbage dialog is asked for their name, as a newcomer is', async () => {
    await put(dialogOf('stored-stranger'), JSON.stringify({ flow: 'bind', step: 'passport' }));
    expect(said(await ctx.d.say('stored-stranger', '你好'))).toContain('请回复您的姓名');
  });

  it('a clarifying question that is not one is dropped: the reply is read afresh', async () => {
    await put(`clarify:${platform}:demo-worker-1`, JSON.stringify({ options: ['no-such-intent'], text: '参加' }));
    // "1" would pick the first choice of a real question; here it is a message of its own
    const r = said(await ctx.d.say('demo-worker-1', '1'));
    expect(r).not.toContain('您已参加第二期');
    expect(warnings('clarify').length).toBeGreaterThan(0);
  });

  it('a cached status of another shape is a miss: the facts are loaded again and the answer is right', async () => {
    const db = ctx.t.rt.db;
    const period = await currentPeriod(db);
    const chat = await db.chatIdentity.findFirstOrThrow({ where: { platform, userId: 'demo-worker-1' } });
    await put(`status:${period.id}:${chat.memberId}`, JSON.stringify({ enrolled: 'yes' }));
    const r = said(await ctx.d.say('demo-worker-1', '我参加了吗'));
    expect(r).toContain('您已参加第二期');
    expect(r).toContain('续互');
    expect(warnings('status').length).toBeGreaterThan(0);
  });
});
