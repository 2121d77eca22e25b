/**
 * WeCom takes at most 30 message/send a minute for one member and drops the rest silently, errcode 0 (doc 90454
 * 访问频率限制, WECOM.md §6). The local WeCom server does the same, so a sender without pacing loses the 31st and
 * a test sees it; the channel's sender takes each member's slot before every message/send (the bot's direct
 * replies, the officer's 待审批 cards), waits a full minute out, and past its longest wait refuses having sent
 * nothing. Time is a wall clock the test advances (the waits advance it): nothing sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemberPaced } from '../../../src/channels/wecom/errors.js';
import { memberLimitsFor, wecomPlatform } from '../../../src/channels/wecom/platform.js';
import type { Reply } from '../../../src/core/messages.js';
import { LocalWecomServer } from '../../../src/local/wecom/local-server.js';
import { type Harness, type HarnessOptions, startHarness } from '../../support/wecom/harness.js';

const OFFICER = 'demo-officer-1';
const text = (i: number) => ({ kind: 'text' as const, text: `已批准补助申请 #${i}` });

let h: Harness | undefined;
let server: LocalWecomServer | undefined;
afterEach(async () => {
  await h?.stop();
  await server?.close();
  h = undefined;
  server = undefined;
});

/** a channel and its local WeCom server, both on one wall clock the test moves */
async function setUp(o: HarnessOptions = {}) {
  const clock = { wall: Date.UTC(2026, 2, 2, 2, 17) };
  server = await LocalWecomServer.start({ now: () => clock.wall });
  h = await startHarness({
    ...o,
    channel: { localServer: server, wallNow: () => clock.wall, ...o.channel },
  });
  return { clock, server, h };
}

describe('WeCom message/send: 30 a minute to one member (doc 90454)', () => {
  it('the local WeCom server drops the 31st message to a member in a minute, answering errcode 0 as WeCom does', async () => {
    // no per-member pacing in the channel: what a sender without the bucket would do
    const { clock, server, h } = await setUp({ channel: { memberLimits: [] } });
    for (let i = 1; i <= 31; i++) await h.channel.sender.send({ userIds: [OFFICER] }, text(i));
    expect(server.messagesTo(OFFICER)).toHaveLength(30);
    expect(server.droppedFor(OFFICER).map((m) => (m.body.text as { content: string }).content)).toEqual([
      '已批准补助申请 #31',
    ]);
    // another member in the same call still gets it; the officer does again once the minute has passed
    await h.channel.sender.send({ userIds: [OFFICER, 'demo-centre-1'] }, text(32));
    expect(server.messagesTo('demo-centre-1')).toHaveLength(1);
    expect(server.droppedFor(OFFICER)).toHaveLength(2);
    clock.wall += 60_001;
    await h.channel.sender.send({ userIds: [OFFICER] }, text(33));
    expect(server.messagesTo(OFFICER)).toHaveLength(31);
  });

  it('a direct send (待审批’s cards) waits out the member’s full minute and then goes: nothing dropped, no one else held', async () => {
    const slept: number[] = [];
    const { clock, server, h } = await setUp({
      channel: {
        pacingSleep: async (ms) => {
          slept.push(ms);
          clock.wall += ms;
        },
      },
    });
    for (let i = 1; i <= 30; i++) await h.channel.sender.send({ userIds: [OFFICER] }, text(i));
    await h.channel.sender.send({ userIds: ['demo-centre-1'] }, text(100));
    expect(slept).toEqual([]);
    clock.wall += 20_000;
    await h.channel.sender.send({ userIds: [OFFICER] }, text(31));
    expect(slept).toEqual([40_001]);
    expect(server.messagesTo(OFFICER)).toHaveLength(31);
    expect(server.droppedFor(OFFICER)).toEqual([]);
  });

  it('past the longest wait, the sender refuses before calling WeCom (nothing sent, nothing dropped); it goes once the minute has passed', async () => {
    expect(wecomPlatform.limits.perMember[0]).toEqual({ limit: 30, windowMs: 60_000 });
    const { clock, server, h } = await setUp({ channel: { memberMaxWaitMs: 0 } });
    for (let i = 1; i <= 30; i++) await h.channel.sender.send({ userIds: [OFFICER] }, text(i));
    clock.wall += 30_000;
    const refused = await h.channel.sender.send({ userIds: [OFFICER] }, text(31)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MemberPaced);
    // the first 30 leave the window 60 s after they were sent: 30 s from now
    expect((refused as MemberPaced).retryAfterMs).toBe(30_001);
    expect(server.requests('/cgi-bin/message/send')).toHaveLength(30);
    // a message to the officer and another member waits for the officer; the other member alone does not
    await expect(h.channel.sender.send({ userIds: [OFFICER, 'demo-centre-1'] }, text(32))).rejects.toBeInstanceOf(
      MemberPaced,
    );
    await h.channel.sender.send({ userIds: ['demo-centre-1'] }, text(33));
    expect(server.messagesTo('demo-centre-1')).toHaveLength(1);

    clock.wall += 30_001;
    await h.channel.sender.send({ userIds: [OFFICER] }, text(31));
    await h.channel.sender.send({ userIds: [OFFICER, 'demo-centre-1'] }, text(32));
    expect(server.messagesTo(OFFICER)).toHaveLength(32);
    expect(server.droppedFor(OFFICER)).toEqual([]);
    expect(server.droppedFor('demo-centre-1')).toEqual([]);
  });

  it('a long text counts one slot per part, and is refused whole rather than cut after its first part', async () => {
    const { server, h } = await setUp({ channel: { memberMaxWaitMs: 0 } });
    for (let i = 1; i <= 29; i++) await h.channel.sender.send({ userIds: [OFFICER] }, text(i));
    // two parts (2048 bytes each at most): one slot is left, so none of it goes
    const long = { kind: 'text' as const, text: '详'.repeat(1000) };
    await expect(h.channel.sender.send({ userIds: [OFFICER] }, long)).rejects.toBeInstanceOf(MemberPaced);
    expect(server.messagesTo(OFFICER)).toHaveLength(29);
  });

  it('a reply by message/send after a callback (the text after a click) waits out the member’s full minute, then goes: none dropped', async () => {
    const slept: number[] = [];
    const { clock, server, h } = await setUp({
      // the first reply goes back passively, the second by message/send
      handle: async (): Promise<Reply[]> => [text(1), text(2)],
      channel: {
        pacingSleep: async (ms) => {
          slept.push(ms);
          clock.wall += ms;
        },
      },
    });
    // the officer's minute is full already (e.g. 待审批 sent them 30 cards)
    for (let i = 0; i < 30; i++) await h.channel.sender.send({ userIds: [OFFICER] }, text(100 + i));
    const cb = h.client.seal(h.client.text(OFFICER, '待审批'));
    const r = await h.post(cb.path, cb.body);
    expect(r.status).toBe(200);
    expect(h.client.openReply(r.body).Content).toBe('已批准补助申请 #1');
    await h.background.idle();
    expect(slept).toEqual([60_001]);
    const texts = server.messagesTo(OFFICER).map((m) => (m.body.text as { content: string }).content);
    expect(texts).toHaveLength(31);
    expect(texts.at(-1)).toBe('已批准补助申请 #2');
    expect(server.droppedFor(OFFICER)).toEqual([]);
  });

  it('WECOM_MEMBER_PER_MINUTE (tests and benchmarks only) raises the app’s pacing and the local WeCom server’s alike', async () => {
    // refusing rather than waiting shows where the raised minute ends without a minute's real wait
    h = await startHarness({ env: { WECOM_MEMBER_PER_MINUTE: '40' }, channel: { memberMaxWaitMs: 0 } });
    for (let i = 1; i <= 40; i++) await h.channel.sender.send({ userIds: [OFFICER] }, text(i));
    await expect(h.channel.sender.send({ userIds: [OFFICER] }, text(41))).rejects.toBeInstanceOf(MemberPaced);
    const local = h.channel.localServer;
    expect(local?.messagesTo(OFFICER)).toHaveLength(40);
    // the hour's window scales alike (1000 × 40/30), so it does not stop the test instead
    expect(memberLimitsFor({ WECOM_MEMBER_PER_MINUTE: 40 })).toEqual([
      { limit: 40, windowMs: 60_000 },
      { limit: 1334, windowMs: 3_600_000 },
    ]);
    expect(memberLimitsFor({})).toEqual(wecomPlatform.limits.perMember);
    expect(local?.droppedFor(OFFICER)).toEqual([]);
  });
});
