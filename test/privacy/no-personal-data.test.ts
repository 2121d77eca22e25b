/**
 * Personal data never leaves in clear (issue 17; README "Personal data"): the main journeys run on every platform
 * with the app's logger at debug level writing to memory, and everything they produce is gathered — every log
 * line, every request the local platform servers received (replies, cards, card updates, group pushes), every
 * passive reply, the CLI's output, the roster and progress exports. Not one full 身份证号 (GB 11643: 18
 * characters with a valid date) and not one mobile number (1[3-9] + 9 digits) may be found in any of it, though
 * the journeys put both in on purpose: a roster with phones, and people who type their ID number and phone in chat.
 */
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformNames } from '../../src/channels/index.js';
import { createLog } from '../../src/core/log.js';
import { must } from '../../src/core/must.js';
import { syntheticIdNumber } from '../../src/services/demo/people.js';
import { currentPeriod } from '../../src/services/periods.js';
import { PHOTO } from '../journeys/harness.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { buttonKey } from '../support/cards.js';
import { cli } from '../support/cli.js';
import type { PlatformDriver, SeenMessage } from '../support/driver.js';
import { driverFor } from '../support/drivers/index.js';
import { HEADER, tmpFile, writeCsv } from '../support/roster-files.js';

/** a full 身份证号: area, a birth date of 18xx–20xx, sequence, check character */
const ID_NUMBER =
  /(?<![0-9A-Za-z])[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])/g;
/** a mainland mobile number standing alone (not inside a longer run of digits or hex: message ids, UUIDs) */
const MOBILE = /(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])/g;

const UNIT = 'HN-HK-DEMO';

describe.each(platformNames)('no ID number or mobile number in anything the app produces on %s', (platform) => {
  const lines: string[] = [];
  const outputs: string[] = [];
  let t: TestApp;
  let d: PlatformDriver;
  const seen = (msgs: SeenMessage[]) => {
    outputs.push(JSON.stringify(msgs));
    return msgs.map((m) => m.text).join('\n');
  };
  // people of the roster this test imports: their ID numbers and phones are what must not come out
  const people = ['周海生', '吴丽娟', '郑国平'].map((name, i) => ({
    name,
    id: syntheticIdNumber('460100', 880_000 + i + platformNames.indexOf(platform) * 10),
    phone: `1390898${String(1000 + i + platformNames.indexOf(platform) * 10)}`,
    account: `privacy-${i}`,
  }));

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    t = await startTestApp({ log: createLog('debug', sink), schedules: false });
    d = driverFor(platform, t.app);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('the journeys run: roster with phones, chat with ID numbers typed in, a claim approved, pushes, exports', async () => {
    const db = t.rt.db;
    const period = await currentPeriod(db);
    const fee = period.policy.fees.newFen / 100;
    const accountColumn = platform === 'wecom' ? 5 : 6;
    const roster = writeCsv(
      people.map((p, i) => {
        const row: (string | number)[] = [p.name, p.id, '在职', i === 2 ? '未参' : fee, p.phone, '', ''];
        row[accountColumn] = p.account;
        return row;
      }),
      HEADER,
    );
    const imported = await cli(
      t.rt.config.DATABASE_URL,
      'roster',
      'import',
      roster,
      '--period',
      String(period.number),
      '--unit',
      UNIT,
    );
    outputs.push(imported.out, imported.err);
    expect(imported.code, imported.err).toBe(0);

    // a member asks, and types their ID number and phone where the bot does not expect them
    const p = must(people[0], 'the first person of the roster');
    expect(seen(await d.say(p.account, '我参加了吗'))).toContain('您已参加');
    seen(await d.say(p.account, `我的身份证号是${p.id}，手机${p.phone}，帮我查一下`));
    seen(await d.say(p.account, p.id));
    seen(await d.say(p.account, `电话 ${p.phone}`));

    // a stranger binding types the whole ID number instead of its last 4
    seen(await d.say('privacy-stranger', '我参加了吗'));
    seen(await d.say('privacy-stranger', '王小梅'));
    seen(await d.say('privacy-stranger', syntheticIdNumber('460100', 1)));

    // a claim with the phone in a free-text answer, approved from the card
    const w = 'demo-worker-1';
    for (const text of [
      '申请补助',
      `海南省人民医院 联系电话${must(people[1], 'the second person of the roster').phone}`,
      '2月3日',
      '2月10日',
      '3万',
      '1万',
      '8000',
      '否',
    ])
      seen(await d.say(w, text));
    seen(await d.sendImage(w, PHOTO));
    seen(await d.say(w, '完成'));
    const submitted = seen(await d.say(w, '确认'));
    const claimId = Number(/#(\d+)/.exec(submitted)?.[1]);
    expect(claimId).toBeGreaterThan(0);
    const card = must(
      d
        .inbox('demo-officer-1')
        .filter((m) => m.kind === 'card' && m.card?.title.includes(`#${claimId}`))
        .at(-1)?.card,
      'the officer has the claim’s card',
    );
    seen(await d.click('demo-officer-1', card.id, buttonKey(card)));
    seen(await d.say('demo-officer-1', '待审批'));
    seen(await d.say('demo-officer-1', '已批未付'));

    // the rep's views of the unit, the one not enrolled among them
    seen(await d.say('demo-rep-1', '我单位进度'));
    expect(seen(await d.say('demo-rep-1', '未参名单'))).toContain('郑');

    // the daily push and the deadline announcements
    for (const job of ['ranking.daily', 'deadlines.daily'] as const) {
      await t.app.jobs.enqueue(job, {});
      await t.app.jobs.idle();
      await t.app.background.idle();
    }

    // the exports an admin makes
    for (const [args, file] of [
      [['roster', 'export', '--unit', UNIT], tmpFile('roster.xlsx')],
      [['progress', 'export'], tmpFile('progress.xlsx')],
    ] as const) {
      const r = await cli(t.rt.config.DATABASE_URL, ...args, '--out', file);
      outputs.push(r.out, r.err);
      expect(r.code, r.err).toBe(0);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file);
      wb.eachSheet((ws) =>
        ws.eachRow((row) => {
          outputs.push(JSON.stringify(row.values));
        }),
      );
    }
    const exported = outputs.join('\n');
    expect(exported).toContain(p.name); // the roster export has the people, masked
  }, 120_000);

  it('finds none of them in the log lines, the platforms’ requests, the replies or the exports', async () => {
    const platformSide = (t.app.channels.get(platform) as { localServer?: { requests(): unknown[] } }).localServer;
    const everything = [
      ...lines.map((l) => ['log', l] as const),
      ...outputs.map((o) => ['output', o] as const),
      ...(platformSide?.requests() ?? []).map((r) => ['platform request', JSON.stringify(r)] as const),
    ];
    // the gathering is not empty: debug lines, replies and API calls are all there
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.some((l) => /"level":"debug"/.test(l))).toBe(true);
    expect(platformSide?.requests().length ?? 0).toBeGreaterThan(10);
    const found: string[] = [];
    for (const [where, text] of everything)
      for (const re of [ID_NUMBER, MOBILE])
        for (const m of text.matchAll(re))
          found.push(`${where}: …${text.slice(Math.max(0, m.index - 80), m.index + m[0].length + 40)}…`);
    expect(found).toEqual([]);
    // and the patterns do find what they are meant to: the test's own inputs
    expect(
      people
        .map((p) => p.id)
        .join(' ')
        .match(ID_NUMBER),
    ).toHaveLength(3);
    expect(
      people
        .map((p) => p.phone)
        .join(' ')
        .match(MOBILE),
    ).toHaveLength(3);
  });
});
