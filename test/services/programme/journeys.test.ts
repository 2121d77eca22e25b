/**
 * Issue 15: every seed programme runs from its own files. Each is set up only through the product's commands
 * (huzhu programme apply, roster import, fees import) from test/fixtures/programmes/<name>, then on every platform:
 * a member enrols in chat (fee due), the fee is paid (remittance list), they claim, the office approves from the
 * card, and the daily push and a deadline announcement carry that programme's period, units and numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../../src/core/must.js';
import { eventLabel } from '../../../src/rules/deadlines.js';
import { shanghaiDate } from '../../../src/rules/index.js';
import { PHOTO, said } from '../../journeys/harness.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { buttonKey } from '../../support/cards.js';
import { cli } from '../../support/cli.js';
import { freshDatabaseUrl } from '../../support/db.js';
import type { PlatformDriver } from '../../support/driver.js';
import { driverFor, platformsUnderTest } from '../../support/drivers/index.js';
import { tmpFile } from '../../support/roster-files.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/programmes');
const ID_HASH_KEY = 'test-id-hash-key-0123456789';

interface Case {
  name: string;
  prefix: string;
  /** the federation's group chat (the organisations file's 群聊 columns) */
  group: string;
  unit: string;
  unitName: string;
  rankUnitName: string;
  period: number;
  periodName: string;
  /** a day the roster is open (Shanghai) */
  enrolOn: string;
  /** a day claims for the stay below are accepted */
  claimOn: string;
  admitted: string;
  discharged: string;
  /** the ranked unit's 参加目标 from the organisations file, when it has one */
  task?: number;
  /** an announced event and its Chinese date */
  event: { label: string; date: string; cn: string };
}

const CASES: Case[] = [
  {
    name: 'hainan-2',
    prefix: 'hn',
    group: 'hn-all',
    unit: 'HN-HK-U1',
    unitName: '海口市演示单位工会',
    rankUnitName: '海口市总工会',
    period: 2,
    periodName: '第二期',
    enrolOn: '2017-03-20',
    claimOn: '2017-03-21',
    admitted: '2017-02-03',
    discharged: '2017-02-10',
    event: { label: '', date: '2017-03-31', cn: '2017年3月31日' },
  },
  {
    name: 'keqiao-2019',
    prefix: 'kq',
    group: 'kq-all',
    unit: 'KQ-T01-U1',
    unitName: '柯桥街道演示企业工会',
    rankUnitName: '柯桥街道总工会',
    period: 2019,
    periodName: '2019年度',
    task: 3400,
    enrolOn: '2019-07-24',
    claimOn: '2019-09-01',
    admitted: '2019-08-01',
    discharged: '2019-08-10',
    event: { label: '', date: '2019-12-20', cn: '2019年12月20日' },
  },
  {
    name: 'yunnan-12',
    prefix: 'yn12',
    group: 'yn12-all',
    unit: 'KMUST-LIB',
    unitName: '图书馆分工会',
    rankUnitName: '昆明冶金高等专科学校工会',
    period: 12,
    periodName: '第十二期',
    enrolOn: '2015-11-01',
    claimOn: '2016-03-01',
    admitted: '2016-02-01',
    discharged: '2016-02-10',
    event: { label: '', date: '2015-11-10', cn: '2015年11月10日' },
  },
  {
    name: 'yunnan-14',
    prefix: 'yn14',
    group: 'yn-all',
    unit: 'YN-KM-U1',
    unitName: '昆明市演示单位工会',
    rankUnitName: '昆明市总工会',
    period: 14,
    periodName: '第十四期',
    enrolOn: '2018-01-20',
    claimOn: '2018-02-01',
    admitted: '2018-01-05',
    discharged: '2018-01-15',
    event: { label: '', date: '2018-02-10', cn: '2018年2月10日' },
  },
  {
    name: 'zhangjiakou-14',
    prefix: 'zjk',
    group: 'zjk-all',
    unit: 'ZJK-QX-U1',
    unitName: '桥西区演示单位工会',
    rankUnitName: '桥西区总工会',
    period: 14,
    periodName: '第十四期',
    enrolOn: '2020-12-01',
    claimOn: '2021-03-01',
    admitted: '2021-02-01',
    discharged: '2021-02-10',
    event: { label: '第十四期发动筹款工作完成', date: '2020-12-30', cn: '2020年12月30日' },
  },
];

const at = (day: string) => new Date(`${day}T10:17:00+08:00`);
const cases = CASES.flatMap((c) => platformsUnderTest.map((platform) => ({ ...c, platform })));

describe.each(cases)('$name runs from its own files on $platform', (c) => {
  const dir = path.join(FIXTURES, c.name);
  let url: string;
  let drop: () => Promise<void>;
  let clock = at(c.enrolOn);
  let t: TestApp;
  let d: PlatformDriver;
  const run = async (...argv: string[]) => {
    const r = await cli(url, ...argv);
    expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(0);
    return r.out;
  };
  const worker = `${c.prefix}-worker-2`;
  const runJob = async (job: 'ranking.daily' | 'deadlines.daily', data: Record<string, string> = {}) => {
    await t.app.jobs.enqueue(job, data);
    await t.app.jobs.idle();
    await t.app.background.idle();
  };

  beforeAll(async () => {
    ({ url, drop } = await freshDatabaseUrl('sqlite'));
    for (const f of ['organisations.csv', 'period.csv', 'people.csv'])
      await run('programme', 'apply', path.join(dir, f));
    await run('roster', 'import', path.join(dir, 'roster.csv'), '--period', String(c.period), '--unit', c.unit);
    t = await startTestApp({ databaseUrl: url, now: () => clock, schedules: false, env: { ID_HASH_KEY } });
    d = driverFor(c.platform, t.app);
  });
  afterAll(async () => {
    await t?.stop();
    await drop?.();
  });

  it('a member enrols, pays, claims, is approved; the push and an announcement carry the programme', async () => {
    const db = t.rt.db;
    const period = await db.period.findFirstOrThrow({ where: { current: true } });
    const policy = JSON.parse(period.policy);
    expect(period.name).toBe(c.periodName);

    // enrol in chat: due, not yet paid, so not counted
    clock = at(c.enrolOn);
    const ask = said(await d.say(worker, '我要参加'));
    expect(ask).toContain(c.periodName);
    expect(ask).toContain(`${policy.fees.newFen / 100}`);
    expect(said(await d.say(worker, '确认'))).toContain('报名成功');
    const member = await db.member.findFirstOrThrow({ where: { name: '符明亮' } });
    const enrolment = await db.enrolment.findUniqueOrThrow({
      where: { periodId_memberId: { periodId: period.id, memberId: member.id } },
    });
    expect(enrolment).toMatchObject({ paid: false, source: 'chat', feeFen: policy.fees.newFen });

    // the unit's remittance list records the fee
    const list = tmpFile('fees.csv');
    fs.writeFileSync(
      list,
      `单位编码,姓名,身份证后4位,金额,交费日期\n${c.unit},符明亮,${member.idLast4},${policy.fees.newFen / 100},${c.enrolOn}\n`,
    );
    expect(await run('fees', 'import', list)).toContain('新登记已交费 1 人');
    expect(await run('fees', 'import', list)).toContain('新登记已交费 0 人');
    const status = said(await d.say(worker, '我参加了吗'));
    expect(status).toContain(`您已参加${c.periodName}`);
    expect(status).toContain('已交费');

    // claim and approval
    clock = at(c.claimOn);
    for (const text of ['申请补助', '人民医院', c.admitted, c.discharged, '12000', '3000', '8800', '否'])
      await d.say(worker, text);
    await d.sendImage(worker, PHOTO);
    await d.say(worker, '完成');
    const submitted = said(await d.say(worker, '确认'));
    const id = Number(/#(\d+)/.exec(submitted)?.[1]);
    expect(id, submitted).toBeGreaterThan(0);
    for (const approver of [`${c.prefix}-officer-1`, `${c.prefix}-centre-1`]) {
      const claim = await db.claim.findUniqueOrThrow({ where: { id } });
      if (claim.status === 'approved') break;
      const card = must(
        d
          .inbox(approver)
          .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${id}`))
          .at(-1)?.card,
        `${approver} has the card for #${id}`,
      );
      await d.click(approver, card.id, buttonKey(card, '批准'));
      await t.app.background.idle();
    }
    expect((await db.claim.findUniqueOrThrow({ where: { id } })).status).toBe('approved');
    expect(said(d.inbox(worker))).toContain(`#${id}（人民医院）已批准`);

    // the rep's daily push: this programme's period, the unit and its ranked unit with what the roster and chat made
    await runJob('ranking.daily');
    const push = said(d.inbox(`${c.prefix}-rep-1`).filter((m) => m.kind !== 'image'));
    expect(push).toContain(`${c.periodName}医疗互助进度日报`);
    expect(push).toContain(c.unitName);
    // roster: 3 paid (吴文静, 林海燕, 王小梅) + 符明亮 paid through the remittance list
    expect(push).toContain(`${c.rankUnitName}：已完成 4 人`);
    // seed 001: the town's 2019 enrolment target, from the organisations file
    if (c.task) expect(push).toContain(`距本期任务 ${c.task} 人还差 ${c.task - 4} 人`);
    // seed 001's claim targets on the base of the organisations file (3400 → 68 persons or 61 200 元); approved, not
    // yet paid, so nothing counts yet
    if (c.task) expect(push).toContain('理赔目标：赔付 0 人（目标 68 人）、0 元（目标 61200 元）：未完成');
    else expect(push).not.toContain('理赔目标');

    // a deadline announcement to the federation's group on T-7
    const event = policy.timeline.find(
      (e: { date: string; announce: boolean }) => e.date === c.event.date && e.announce,
    );
    expect(event, `an announced event on ${c.event.date}`).toBeDefined();
    const day = shanghaiDate(new Date(at(c.event.date).getTime() - 7 * 86_400_000));
    clock = at(day);
    await runJob('deadlines.daily', { date: day });
    const group = said(d.groupInbox(c.group));
    // a label's {date} is the event's own date as people write it (src/rules/deadlines.ts)
    expect(group).toContain(`${c.periodName}】还有 7 天：${c.event.label || eventLabel(event.label, event.date)}`);
    expect(group).toContain(c.event.cn);
  });
});
