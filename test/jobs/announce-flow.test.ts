import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotDeps, Turn } from '../../src/bot/context.js';
import { onAnnounceClick, startAnnouncement } from '../../src/bot/flows/announce.js';
import { createLog } from '../../src/core/log.js';
import type { InboundMessage } from '../../src/core/messages.js';
import { must } from '../../src/core/must.js';
import type { TemplateKey } from '../../src/core/template-keys.js';
import { Templates } from '../../src/core/templates.js';
import { createMemoryRunner } from '../../src/jobs/runner-memory.js';
import type { JobRunner } from '../../src/jobs/types.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { createServices } from '../../src/services/index.js';
import { personByChat } from '../../src/services/people.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { demoDb, jobDeps, outboxWith, PUSH_TIME, RecordingSender, textOf } from './support.js';

const TEXT = '第二期参互报名延长至3月底，提高补助封顶金额至8万元，请各单位抓紧组织（000_323d04b7f63f3eb1.txt）';

describe('发布通知: an officer’s ad-hoc announcement after a confirmation card', () => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  const group = new RecordingSender('wecom');
  let deps: BotDeps;
  let runner: JobRunner;

  const turn = (userId: string, msg: Partial<InboundMessage> = {}): Promise<Turn> =>
    personByChat(t.db, 'wecom', userId).then((person) => ({
      deps,
      person,
      msg: {
        platform: 'wecom',
        userId,
        dedupeKey: `${userId}-${Math.random()}`,
        receivedAt: PUSH_TIME,
        kind: 'text',
        text: '',
        ...msg,
      } as InboundMessage,
      say: (key: TemplateKey, vars: Record<string, unknown> = {}) => ({
        kind: 'text' as const,
        text: deps.templates.render(key, vars),
      }),
    }));
  const click = async (userId: string, action: string) => {
    const tt = (await turn(userId, {
      kind: 'card_click',
      cardId: must(action.split(':')[2], 'an action names its card: announce:<verb>:<cardId>'),
      action,
    } as Partial<InboundMessage>)) as Turn & {
      msg: InboundMessage & { kind: 'card_click' };
    };
    return onAnnounceClick(tt, runner.enqueue);
  };

  beforeAll(async () => {
    t = await demoDb('sqlite');
    const store = createMemoryStore();
    const outbox = outboxWith(group);
    deps = {
      services: createServices({ db: t.db, store, log: createLog('silent') }),
      store,
      log: createLog('silent'),
      templates: new Templates(),
      outbox,
      hashKey: 'k',
      now: () => PUSH_TIME,
    };
    runner = createMemoryRunner(jobDeps(t, { outbox, store }), { schedules: false });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await t.drop();
  });

  it('refuses a worker and a rep: only officers and admins announce', async () => {
    for (const who of ['demo-worker-1', 'demo-rep-1']) {
      const tt = await turn(who);
      const r = await startAnnouncement(tt, must(tt.person, 'the demo user is bound'), TEXT);
      expect(r).toHaveLength(1);
      expect(textOf(r[0])).toContain('发布通知仅限办事处经办人或管理员使用');
    }
  });

  it('asks for the text when none follows the command', async () => {
    const tt = await turn('demo-officer-1');
    expect(textOf((await startAnnouncement(tt, must(tt.person, 'the demo user is bound'), '  '))[0])).toContain(
      '请在“发布通知”后面写上通知内容',
    );
  });

  it('answers the officer with a card (发布 / 取消); publishing sends it to the federation group once and audits it', async () => {
    const tt = await turn('demo-officer-1');
    const [reply] = await startAnnouncement(tt, must(tt.person, 'the demo user is bound'), TEXT);
    expect(reply?.kind).toBe('card');
    const card = (
      reply as {
        card: {
          id: string;
          title: string;
          fields: { label: string; value: string }[];
          buttons: { key: string; text: string }[];
        };
      }
    ).card;
    expect(card.id).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
    expect(card.title).toBe('发布通知确认');
    expect(card.fields.find((f) => f.label === '内容')?.value).toBe(TEXT);
    expect(card.buttons.map((b) => b.text)).toEqual(['发布', '取消']);
    expect(group.sent).toHaveLength(0);

    // someone else cannot confirm it
    expect(textOf((await click('demo-centre-1', must(card.buttons[0], 'the 发布 button').key))[0])).toContain(
      '仅限发起人本人',
    );

    const done = await click('demo-officer-1', must(card.buttons[0], 'the 发布 button').key);
    expect(textOf(done[0])).toBe('已发布，正在发送到 1 个群。');
    // a second click (the platform's retry, a double tap) publishes nothing more
    expect(textOf((await click('demo-officer-1', must(card.buttons[0], 'the 发布 button').key))[0])).toContain(
      '已经处理过或已过期',
    );
    await runner.idle();
    expect(group.sent).toHaveLength(1);
    expect(group.sent[0]?.to).toEqual({ chatId: DEMO_GROUP_CHAT });
    expect(textOf(group.sent[0]?.msg)).toContain(TEXT);
    expect(textOf(group.sent[0]?.msg)).toContain('海口市总工会　2017年3月20日');
    const logged = await t.db.auditLog.findMany({ where: { action: 'announce.adhoc' } });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.actor).toBe('wecom:demo-officer-1');
    expect(JSON.parse(must(logged[0]?.details, 'the audit entry has details')).text).toBe(TEXT);
  });

  it('取消 sends nothing', async () => {
    const before = group.sent.length;
    const tt = await turn('demo-officer-1');
    const [reply] = await startAnnouncement(tt, must(tt.person, 'the demo user is bound'), '测试取消');
    const key = must((reply as { card: { buttons: { key: string }[] } }).card.buttons[1], 'the 取消 button').key;
    expect(textOf((await click('demo-officer-1', key))[0])).toBe('已取消，通知没有发出。');
    await runner.idle();
    expect(group.sent.length).toBe(before);
  });
});
