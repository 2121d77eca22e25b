/**
 * /wecom/callback as WeCom calls it (WECOM.md §1–§3, issue 3): every callback is built and encrypted by the
 * independent test crypto, every passive reply decrypted and verified by it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundMessage, OutboundMessage } from '../../../src/core/messages.js';
import { must } from '../../../src/core/must.js';
import { Templates } from '../../../src/core/templates.js';
import { localServerOf } from '../../support/local.js';
import { encrypt } from '../../support/wecom/crypto.js';
import { type Harness, type HarnessOptions, startHarness } from '../../support/wecom/harness.js';

/** the busy text of the templates (what the user reads when a message could not be handled) */
const BUSY = new Templates().render('system_busy');

let h: Harness;
const start = async (o: HarnessOptions = {}) => {
  h = await startHarness(o);
  return h;
};
afterEach(async () => {
  await h?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const refusals = () => h.logs.filter((l) => l.msg === 'wecom callback refused');
const apiTexts = (userId: string) =>
  localServerOf(h.channel)
    .messagesTo(userId)
    .map((m) => (m.body[m.msgtype] as { content?: string } | undefined)?.content ?? m.msgtype);

describe('URL verification (GET)', () => {
  it('answers the decrypted echostr, bare', async () => {
    await start();
    const r = await h.get(h.client.verification('1616140317555161061'));
    expect(r).toEqual({ status: 200, body: '1616140317555161061' });
  });

  it('refuses a verification signed with another token', async () => {
    await start();
    const path = h.client.verification('x').replace(/msg_signature=[0-9a-f]+/, 'msg_signature=0000');
    expect((await h.get(path)).status).toBe(401);
  });
});

describe('a text message', () => {
  it('reaches the handler normalised and is answered by an encrypted, signed passive reply', async () => {
    await start();
    const cb = h.client.seal(h.client.text('zhangsan', '我参加了吗', '4561255354251345929'));
    const r = await h.post(cb.path, cb.body);
    expect(r.status).toBe(200);
    const reply = h.client.openReply(r.body);
    expect(reply).toMatchObject({
      ToUserName: 'zhangsan',
      FromUserName: h.channel.credentials.corpId,
      MsgType: 'text',
      Content: 'echo: 我参加了吗',
    });
    expect(h.handled).toEqual([
      expect.objectContaining({
        platform: 'wecom',
        kind: 'text',
        userId: 'zhangsan',
        text: '我参加了吗',
        dedupeKey: 'msg:4561255354251345929',
      }),
    ]);
    await h.background.idle();
    expect(localServerOf(h.channel).messagesTo('zhangsan')).toEqual([]);
  });

  it('sends the replies after the first through the API, in order; a long first text is split, not cut', async () => {
    const long = Array.from({ length: 300 }, (_, i) => `第${i}行 互助金`).join('\n');
    await start({
      handle: async () => [
        { kind: 'text', text: long },
        { kind: 'markdown', text: '**完**' },
      ],
    });
    const cb = h.client.seal(h.client.text('u1', 'hi'));
    const r = await h.post(cb.path, cb.body);
    const passive = must(h.client.openReply(r.body).Content, 'a passive reply with content');
    expect(Buffer.byteLength(passive)).toBeLessThanOrEqual(2048);
    await h.background.idle();
    const rest = apiTexts('u1');
    expect([passive, ...rest.slice(0, -1)].join('\n')).toBe(long);
    expect(rest.at(-1)).toBe('**完**');
  });

  it('sends a card through the API (template_card cannot be passive)', async () => {
    await start({
      handle: async () => [
        {
          kind: 'card',
          card: {
            id: 'claim-1',
            title: '报销审批',
            fields: [{ label: '金额', value: '¥1,200.00' }],
            buttons: [{ key: 'approve', text: '同意' }],
          },
        },
      ],
    });
    const cb = h.client.seal(h.client.text('u2', '审批'));
    const r = await h.post(cb.path, cb.body);
    expect(r).toMatchObject({ status: 200, body: '' });
    await h.background.idle();
    expect(localServerOf(h.channel).card('claim-1')?.current).toMatchObject({
      card_type: 'button_interaction',
      task_id: 'claim-1',
    });
  });
});

describe('other message types', () => {
  it('image → kind image with media id and url', async () => {
    await start();
    const cb = h.client.seal(h.client.image('u3', 'MEDIA_1', 'http://example.invalid/p.jpg'));
    expect((await h.post(cb.path, cb.body)).status).toBe(200);
    expect(h.handled[0]).toMatchObject({ kind: 'image', mediaId: 'MEDIA_1', url: 'http://example.invalid/p.jpg' });
  });

  it('a card click → card_click with the TaskId, the button key and the ResponseCode', async () => {
    await start({ handle: async () => [] });
    const cb = h.client.seal(h.client.cardClick('officer1', 'claim-7', 'approve', 'RC123'));
    const r = await h.post(cb.path, cb.body);
    expect(r).toMatchObject({ status: 200, body: '' });
    expect(h.handled[0]).toMatchObject({
      kind: 'card_click',
      cardId: 'claim-7',
      action: 'approve',
      responseCode: 'RC123',
      userId: 'officer1',
    });
    expect(h.handled[0]?.dedupeKey).toMatch(/^evt:officer1:\d+:template_card_event:approve:claim-7$/);
  });

  it('enter_agent → event', async () => {
    await start();
    const cb = h.client.seal(h.client.event('u4', 'enter_agent'));
    await h.post(cb.path, cb.body);
    expect(h.handled[0]).toMatchObject({ kind: 'event', event: 'enter_agent' });
  });

  it('file → kind file, its bytes fetched on demand (media/get), never before', async () => {
    await start();
    const cb = h.client.seal(h.client.file('u6', 'MEDIA_F'));
    expect((await h.post(cb.path, cb.body)).status).toBe(200);
    expect(h.handled[0]).toMatchObject({ kind: 'file', name: '', userId: 'u6' });
    expect(typeof (h.handled[0] as { fetchFile?: unknown }).fetchFile).toBe('function');
  });

  it.each(['voice', 'location', 'video', 'link'])(
    '%s → unsupported, and the bot’s polite answer goes back',
    async (type) => {
      const polite = '抱歉，我目前只能看懂文字和图片。';
      await start({ handle: async (m) => (m.kind === 'unsupported' ? [{ kind: 'text', text: polite }] : []) });
      const cb = h.client.seal(h.client.plaintext('u5', { MsgType: type, MediaId: 'm', MsgId: '99' + type.length }));
      const r = await h.post(cb.path, cb.body);
      expect(h.handled[0]).toMatchObject({ kind: 'unsupported', originalType: type });
      expect(h.client.openReply(r.body).Content).toBe(polite);
    },
  );
});

describe('bad input: refused, logged with a reason, never handled', () => {
  it('missing signature parameters → 401', async () => {
    await start();
    const cb = h.client.seal(h.client.text('u', 'x'));
    const r = await h.post('/wecom/callback', cb.body);
    expect(r.status).toBe(401);
    expect(h.handled).toEqual([]);
  });

  it('signature made with another token → 401', async () => {
    await start();
    const cb = h.client.seal(h.client.text('u', 'x'), { token: 'forged' });
    expect((await h.post(cb.path, cb.body)).status).toBe(401);
    expect(refusals()[0]).toMatchObject({ reason: 'signature mismatch', status: 401 });
    expect(h.handled).toEqual([]);
  });

  it('a genuine signature over a different ciphertext → 401', async () => {
    await start();
    const a = h.client.seal(h.client.text('u', 'x'));
    const b = h.client.seal(h.client.text('u', 'y'), { timestamp: a.timestamp, nonce: a.nonce });
    expect((await h.post(a.path, b.body)).status).toBe(401);
    expect(h.handled).toEqual([]);
  });

  it('a timestamp outside WECOM_MAX_CLOCK_SKEW_S → 401; inside → accepted', async () => {
    const now = new Date('2026-11-24T08:00:00Z');
    await start({ now: () => now, env: { WECOM_MAX_CLOCK_SKEW_S: '300' } });
    const t = Math.floor(now.getTime() / 1000);
    const stale = h.client.seal(h.client.text('u', 'x'), { timestamp: String(t - 301) });
    expect((await h.post(stale.path, stale.body)).status).toBe(401);
    const future = h.client.seal(h.client.text('u', 'x'), { timestamp: String(t + 301) });
    expect((await h.post(future.path, future.body)).status).toBe(401);
    expect(refusals().map((l) => l.reason)).toEqual([
      'timestamp outside the 300 s window',
      'timestamp outside the 300 s window',
    ]);
    const fresh = h.client.seal(h.client.text('u', 'x'), { timestamp: String(t - 299) });
    expect((await h.post(fresh.path, fresh.body)).status).toBe(200);
    expect(h.handled).toHaveLength(1);
  });

  it('malformed envelope XML → 400', async () => {
    await start();
    const cb = h.client.seal(h.client.text('u', 'x'));
    expect((await h.post(cb.path, cb.body.replace('</Encrypt>', ''))).status).toBe(400);
    expect(h.handled).toEqual([]);
  });

  it('malformed message XML inside a genuine envelope → 400', async () => {
    await start();
    const cb = h.client.seal('<xml><ToUserName>broken</xml>');
    expect((await h.post(cb.path, cb.body)).status).toBe(400);
    expect(refusals()[0]?.reason).toMatch(/^message: /);
  });

  it('an entity declaration is not expanded but refused → 400', async () => {
    await start();
    const cb = h.client.seal(
      `<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><ToUserName>c</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&a;</Content><MsgId>1</MsgId></xml>`,
    );
    expect((await h.post(cb.path, cb.body)).status).toBe(400);
    expect(h.handled).toEqual([]);
  });

  it('encrypted for another corp id (receiveid) → 401', async () => {
    await start();
    const cb = h.client.seal(h.client.text('u', 'x'), { receiveId: 'wwOtherCorp' });
    expect((await h.post(cb.path, cb.body)).status).toBe(401);
    expect(refusals()[0]?.reason).toBe('wrong_receiveid');
    expect(h.handled).toEqual([]);
  });

  it('a body over 64 KB → 413', async () => {
    await start();
    const cb = h.client.seal(h.client.text('u', 'x'));
    const big = cb.body.replace('</xml>', `<Pad>${'a'.repeat(65 * 1024)}</Pad></xml>`);
    expect((await h.post(cb.path, big)).status).toBe(413);
    expect(h.handled).toEqual([]);
  });

  it('puts no message content or user id in the log', async () => {
    await start();
    const secret = '身份证110101199003070028';
    const cb = h.client.seal(h.client.text('privateUser', secret), { token: 'forged' });
    await h.post(cb.path, cb.body);
    const ok = h.client.seal(h.client.text('privateUser', secret));
    await h.post(ok.path, ok.body);
    const all = JSON.stringify(h.logs);
    expect(all).not.toContain('110101199003070028');
    expect(all).not.toContain('privateUser');
  });
});

describe('within 5 s, never silent', () => {
  it('a slow handler: empty 200 at once, the answer follows through message/send', async () => {
    // the handler finishes only once the callback has been answered: the answer cannot have waited for it
    let release = () => {};
    const answered = new Promise<void>((r) => {
      release = r;
    });
    await start({
      channel: { passiveBudgetMs: 100 },
      handle: async (m) => {
        await answered;
        return [{ kind: 'text', text: `slow: ${(m as InboundMessage & { text: string }).text}` }];
      },
    });
    const cb = h.client.seal(h.client.text('u6', '进度'));
    const r = await h.post(cb.path, cb.body);
    expect(r).toMatchObject({ status: 200, body: '' });
    expect(apiTexts('u6')).toEqual([]);
    release();
    await h.background.idle();
    expect(apiTexts('u6')).toEqual(['slow: 进度']);
  });

  it('a handler that fails before answering: the busy text passively (WeCom retries no 500), the mark released, the retry handled', async () => {
    let calls = 0;
    await start({
      handle: async () => {
        calls++;
        if (calls === 1) throw new Error('db down');
        return [{ kind: 'text', text: 'ok now' }];
      },
    });
    const cb = h.client.seal(h.client.text('u7', 'x'));
    const first = await h.post(cb.path, cb.body);
    expect(first.status).toBe(200);
    expect(h.client.openReply(first.body).Content).toBe(BUSY);
    const again = await h.post(cb.path, cb.body);
    expect(h.client.openReply(again.body).Content).toBe('ok now');
    expect((await h.post(cb.path, cb.body)).body).toBe('');
    expect(calls).toBe(2);
  });

  it('a handler that fails after the acknowledgement: the user is told, the mark released', async () => {
    await start({
      channel: { passiveBudgetMs: 50 },
      handle: async () => {
        await sleep(150);
        throw new Error('boom');
      },
    });
    const cb = h.client.seal(h.client.text('u8', 'x'));
    expect((await h.post(cb.path, cb.body)).status).toBe(200);
    await h.background.idle();
    expect(apiTexts('u8')).toEqual([BUSY]);
    const handled = must(h.handled[0], 'the message reached the handler');
    expect(await h.store.get(`wecom:seen:${h.channel.credentials.corpId}:${handled.dedupeKey}`)).toBeNull();
  });
});

describe('exactly once', () => {
  it('the same delivery twice (WeCom retry): one handling, one reply', async () => {
    await start();
    const cb = h.client.seal(h.client.text('u9', 'x'));
    const first = await h.post(cb.path, cb.body);
    const second = await h.post(cb.path, cb.body);
    expect(h.client.openReply(first.body).Content).toBe('echo: x');
    expect(second).toMatchObject({ status: 200, body: '' });
    expect(h.handled).toHaveLength(1);
  });

  it('a retry while the first is still being handled: still one reply in all', async () => {
    await start({
      channel: { passiveBudgetMs: 150 },
      handle: async () => {
        await sleep(300);
        return [{ kind: 'text', text: 'once' }];
      },
    });
    const cb = h.client.seal(h.client.text('u10', 'x'));
    const [a, b, c] = await Promise.all([
      h.post(cb.path, cb.body),
      sleep(20).then(() => h.post(cb.path, cb.body)),
      sleep(40).then(() => h.post(cb.path, cb.body)),
    ]);
    for (const r of [a, b, c]) expect(r).toMatchObject({ status: 200, body: '' });
    await h.background.idle();
    expect(h.handled).toHaveLength(1);
    expect(apiTexts('u10')).toEqual(['once']);
  });

  it('a handler that resolves just as the budget ends: each reply sent once', async () => {
    for (const delay of [40, 45, 50, 55, 60]) {
      await start({
        channel: { passiveBudgetMs: 50 },
        handle: async () => {
          await sleep(delay);
          return [
            { kind: 'text', text: 'a' },
            { kind: 'text', text: 'b' },
          ] as OutboundMessage[];
        },
      });
      const cb = h.client.seal(h.client.text('u11', 'x'));
      const r = await h.post(cb.path, cb.body);
      await h.background.idle();
      const passive = r.body ? [h.client.openReply(r.body).Content] : [];
      expect([...passive, ...apiTexts('u11')]).toEqual(['a', 'b']);
      await h.stop();
    }
    h = await startHarness();
  });

  it('a card click and its retry: one handling (no MsgId: user + time + key)', async () => {
    await start({ handle: async () => [] });
    const cb = h.client.seal(h.client.cardClick('o1', 'claim-9', 'approve', 'RC1'));
    await h.post(cb.path, cb.body);
    await h.post(cb.path, cb.body);
    const other = h.client.seal(h.client.cardClick('o1', 'claim-9', 'reject', 'RC2'));
    await h.post(other.path, other.body);
    expect(h.handled.map((m) => (m.kind === 'card_click' ? m.action : m.kind))).toEqual(['approve', 'reject']);
  });

  it('a tampered ciphertext with a forged signature is refused before any decryption', async () => {
    await start();
    const encrypted = encrypt(h.channel.credentials.encodingAesKey, 'x', h.channel.credentials.corpId);
    const cb = h.client.envelope(`${encrypted}AA`, {
      timestamp: String(h.client.createTime),
      nonce: '1',
      token: 'forged',
    });
    expect((await h.post(cb.path, cb.body)).status).toBe(401);
  });
});
