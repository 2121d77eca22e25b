/**
 * Issue #12: self-binding cannot be guessed. The attack that worked before — a fresh chat id for every try, so
 * the per-user lock never triggers — is played through the real signed callbacks of each platform: the member
 * aimed at is locked after 5 tries, the rep is told, the lock is audited, and 代绑 still works. Tries sent in
 * parallel get no more than 5 evaluations. The per-organisation budget is driven through the service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog } from '../../src/core/log.js';
import { must } from '../../src/core/must.js';
import { MEMBER_TRIES, ORG_FAILURES, trySelfBind } from '../../src/services/binding.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { startTestApp, type TestApp } from '../support/app.js';
import type { PlatformDriver } from '../support/driver.js';
import { driverFor, platformsUnderTest } from '../support/drivers/index.js';
import { only } from '../support/only.js';

const said = (msgs: { text: string }[]) => msgs.map((m) => m.text).join('\n');
const WRONG = ['1111', '2222', '3333', '4444', '5555', '6666', '7777', '8888', '9999', '1234', '4321', '1357'];
/** the i-th wrong tail: a test tries at most WRONG.length times */
const wrong = (i: number) => must(WRONG[i], `a wrong tail for try ${i}`);

describe.each(
  platformsUnderTest.flatMap((p) => (['local', 'production'] as const).map((mode) => ({ platform: p, mode }))),
)('guessing a member’s ID tail on $platform ($mode mode)', ({ platform, mode }) => {
  let t: TestApp;
  let d: PlatformDriver;
  beforeAll(async () => {
    t = await startTestApp(mode === 'production' ? { mode, schedules: false } : { mode });
    d = driverFor(platform, t.app);
  });
  afterAll(async () => {
    await t?.stop();
  });
  const db = () => t.rt.db;

  /** a fresh chat id, taken to the last-4 question for 王小梅 */
  const attacker = async (i: number) => {
    const id = `atk-${platform}-${i}`;
    expect(said(await d.say(id, '你好'))).toContain('请回复您的姓名');
    expect(said(await d.say(id, '王小梅'))).toContain('后 4 位');
    return id;
  };

  it('a new chat id for every try is stopped after 5 tries for the member; the right tail is refused after', async () => {
    const member = await db().member.findFirstOrThrow({ where: { name: '王小梅' } });
    const before = d.inbox('demo-rep-1').length;
    const answers: string[] = [];
    for (let i = 0; i < MEMBER_TRIES; i++) answers.push(said(await d.say(await attacker(i), wrong(i))));
    expect(answers.slice(0, MEMBER_TRIES - 1).every((a) => a.includes('没有在参互名册中找到'))).toBe(true);
    expect(answers.at(-1)).toContain('自助绑定已暂停 1 小时');

    // the 6th fresh id with the right tail: the same answer, nothing bound
    const sixth = await attacker(MEMBER_TRIES);
    expect(said(await d.say(sixth, '0029'))).toContain('自助绑定已暂停 1 小时');
    expect(await db().chatIdentity.count({ where: { userId: { startsWith: `atk-${platform}` } } })).toBe(0);

    // audited once, with the chat id that used up the last try
    const rows = await db().auditLog.findMany({
      where: { action: 'identity.self_bind_locked', subjectId: String(member.id) },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.actor).toBe(`${platform}:atk-${platform}-${MEMBER_TRIES - 1}`);

    // the rep of the member's unit is told, once, through the platform
    const notices = d
      .inbox('demo-rep-1')
      .slice(before)
      .filter((m) => m.text.includes('安全提醒'));
    expect(notices).toHaveLength(1);
    const notice = only(notices, 'security notice to the rep');
    expect(notice.text).toContain('王小梅');
    expect(notice.text).not.toContain('0029');

    // the member herself cannot self-bind for the hour either
    expect(said(await d.say('demo-worker-3', '我参加了吗'))).toContain('请回复您的姓名');
    await d.say('demo-worker-3', '王小梅');
    expect(said(await d.say('demo-worker-3', '0029'))).toContain('自助绑定已暂停');

    // 代绑 by the rep still works, and the member is in
    expect(said(await d.say('demo-rep-1', '代绑 demo-worker-3 王小梅 0029'))).toContain('已为 王小梅 绑定账号');
    expect(said(await d.say('demo-worker-3', '我参加了吗'))).toContain('王小梅');
    expect(
      await db().auditLog.count({ where: { action: 'identity.bind_on_behalf', subjectId: String(member.id) } }),
    ).toBe(1);
  });

  it('tries sent in parallel get no more than 5 evaluations for one member', async () => {
    const member = await db().member.findFirstOrThrow({ where: { name: '符明亮' } });
    // 符明亮 is bound already on this platform: tries aimed at the name are counted all the same
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `par-${platform}-${i}`;
      await d.say(id, '你好');
      await d.say(id, '符明亮');
      ids.push(id);
    }
    const answers = await Promise.all(ids.map(async (id, i) => said(await d.say(id, wrong(i)))));
    expect(answers.filter((a) => a.includes('没有在参互名册中找到'))).toHaveLength(MEMBER_TRIES - 1);
    expect(answers.filter((a) => a.includes('自助绑定已暂停 1 小时'))).toHaveLength(12 - (MEMBER_TRIES - 1));
    expect(
      await db().auditLog.count({ where: { action: 'identity.self_bind_locked', subjectId: String(member.id) } }),
    ).toBe(1);
  });
});

describe('the organisation’s budget', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ channels: [] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a member of a unit without a rep: the officers of the office are told instead', async () => {
    const db = t.rt.db;
    const deps = { db, store: createMemoryStore(), log: createLog('silent') };
    const demo = await db.member.findFirstOrThrow({ where: { name: '王小梅' }, include: { unit: true } });
    const member = await db.member.findFirstOrThrow({
      where: {
        unit: { officeId: demo.unit.officeId, id: { not: demo.unitId }, roles: { none: { role: 'rep' } } },
        NOT: { idLast4: '0001' },
      },
    });
    const last = (
      await Promise.all(
        Array.from({ length: MEMBER_TRIES }, (_, i) =>
          trySelfBind(deps, { platform: 'wecom', userId: `norep-${i}`, name: member.name, last4: '0001' }),
        ),
      )
    ).find((r) => r.kind === 'member_locked' && r.notify.length);
    expect(last?.kind === 'member_locked' && last.notify[0]?.to).toEqual(
      expect.arrayContaining([
        { platform: 'wecom', userId: 'demo-officer-1' },
        { platform: 'dingtalk', userId: 'demo-officer-1' },
      ]),
    );
  });

  it(`after ${ORG_FAILURES} failures in an hour self-binding pauses in the office, for everyone, audited`, async () => {
    const db = t.rt.db;
    const deps = { db, store: createMemoryStore(), log: createLog('silent') };
    const unit = await db.member.findFirstOrThrow({ where: { name: '王小梅' }, include: { unit: true } });
    const officeId = must(unit.unit.officeId, '王小梅’s unit belongs to an office');
    // many members of the office, each aimed at fewer than 5 times, from fresh chat ids
    let names = (
      await db.member.findMany({
        where: { unit: { officeId }, identities: { none: {} } },
        select: { name: true },
        distinct: ['name'],
        take: 30,
      })
    ).map((m) => m.name);
    // a tail none of them has: every try fails
    const guess = '0001';
    const holders = await db.member.findMany({
      where: { name: { in: names }, OR: [{ idLast4: guess }, { phone: { endsWith: guess } }] },
      select: { name: true },
    });
    names = names.filter((n) => !holders.some((h) => h.name === n));
    expect(names.length).toBeGreaterThan(ORG_FAILURES / 4);
    let n = 0;
    let last = '';
    for (let i = 0; n < ORG_FAILURES; i++) {
      const r = await trySelfBind(deps, {
        platform: 'wecom',
        userId: `org-${i}`,
        name: must(names[i % names.length], 'a name from a non-empty list'),
        last4: guess,
      });
      last = r.kind;
      if (r.kind === 'no_match') n++;
      else if (r.kind !== 'member_locked') break;
    }
    expect(last).toBe('no_match');
    const after = await trySelfBind(deps, { platform: 'wecom', userId: 'org-late', name: '王小梅', last4: '0029' });
    expect(after.kind).toBe('org_paused');
    expect(await db.chatIdentity.count({ where: { userId: 'org-late' } })).toBe(0);
    expect(
      await db.auditLog.count({ where: { action: 'identity.self_bind_paused', subjectId: String(officeId) } }),
    ).toBe(1);
  });
});

describe.skipIf(!process.env.TEST_REDIS_URL).each(platformsUnderTest)(
  'two instances sharing Redis and the database on %s',
  (platform) => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const env = { REDIS_PREFIX: `bind-${process.pid}-${platform}-${Date.now().toString(36)}` };
      a = await startTestApp({ redis: true, env });
      b = await startTestApp({ redis: true, env, databaseUrl: a.rt.config.DATABASE_URL });
    });
    afterAll(async () => {
      await b?.stop();
      await a?.stop();
    });

    it('tries spread over both instances are counted together: stopped at 5 for the member', async () => {
      const drivers = [driverFor(platform, a.app), driverFor(platform, b.app)];
      const answers: string[] = [];
      for (let i = 0; i <= MEMBER_TRIES; i++) {
        const d = must(drivers[i % 2], 'one of the two drivers');
        const id = `two-${platform}-${i}`;
        await d.say(id, '你好');
        await d.say(id, '王小梅');
        answers.push(said(await d.say(id, i === MEMBER_TRIES ? '0029' : wrong(i))));
      }
      expect(answers.filter((x) => x.includes('没有在参互名册中找到'))).toHaveLength(MEMBER_TRIES - 1);
      expect(answers.at(-1)).toContain('自助绑定已暂停 1 小时');
      expect(await a.rt.db.chatIdentity.count({ where: { userId: { startsWith: `two-${platform}` } } })).toBe(0);
      const notices = drivers.flatMap((d) => d.inbox('demo-rep-1')).filter((m) => m.text.includes('安全提醒'));
      expect(notices).toHaveLength(1);
    });
  },
);
