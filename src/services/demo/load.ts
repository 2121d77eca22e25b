/**
 * `huzhu demo`: the Hainan 2nd-period organisations of seed 000 with a synthetic roster whose counts keep the
 * published ratios (scaled down by `scale`), the demo people of the emulator issue with fixed chat ids, and
 * dates moved so that "today" is the notice's date (2017-03-20): the extended enrolment deadline is then
 * 11 days ahead, as it was when the notice was written. Running it again changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { must } from '../../core/must.js';
import { insertMany, providerOfDb } from '../../db/bulk.js';
import type { Db } from '../../db/client.js';
import { addDays, type ClaimStatus, computeSubsidy, daysBetween, feeFor } from '../../rules/index.js';
import type { Policy } from '../../rules/policy.js';
import { audit } from '../audit.js';
import { hashIdNumber, idLast4 } from '../id-hash.js';
import { loadPolicyFile } from '../policies.js';
import { noticeMemberTotals } from './notice-totals.js';
import { birthDateOf, rng, syntheticIdNumber, syntheticName } from './people.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROGRESS_FILE = path.resolve(here, '../../../prisma/demo/hainan-2-progress.json');
const NOTICE_DATE = '2017-03-20';

const ProgressSchema = z.object({
  date: z.string(),
  target: z.number().int(),
  tables: z.array(
    z.object({
      category: z.string(),
      rows: z.array(
        z.object({
          name: z.string(),
          previous: z.number().int(),
          participants: z.number().int(),
          ratio: z.string().nullable(),
        }),
      ),
    }),
  ),
});

/** The demo people (issue 9): fixed ids, the same userid on WeCom and staffId on DingTalk. */
export const DEMO_PEOPLE = [
  {
    userId: 'demo-worker-1',
    name: '林海燕',
    id: '460100198503120029',
    enrolled: 'renewal',
    claimPaid: true,
    bound: true,
  },
  { userId: 'demo-worker-2', name: '符明亮', id: '460100199007080018', enrolled: null, claimPaid: false, bound: true },
  { userId: 'demo-worker-3', name: '王小梅', id: '460100199211250029', enrolled: null, claimPaid: false, bound: false },
  {
    userId: 'demo-rep-1',
    name: '陈建国',
    id: '460100197804150032',
    enrolled: 'renewal',
    claimPaid: false,
    bound: true,
    role: 'rep',
  },
  {
    userId: 'demo-officer-1',
    name: '吴文静',
    id: '460100198209300045',
    enrolled: 'renewal',
    claimPaid: false,
    bound: true,
    role: 'officer',
  },
  {
    userId: 'demo-centre-1',
    name: '黄志强',
    id: '460100197512010054',
    enrolled: 'renewal',
    claimPaid: false,
    bound: true,
    role: 'centre',
  },
] as const;

export const DEMO_UNIT_CODE = 'HN-HK-DEMO';
export const DEMO_OFFICE_NAME = '海口市总工会';
/** the federation's group chat, the same id on every platform */
export const DEMO_GROUP_CHAT = 'hnunionall';

export interface DemoOptions {
  db: Db;
  hashKey: string;
  /** 1 real person per `scale` counted in the notice (default 100) */
  scale?: number;
  /** the day that plays the notice's date; default today in Asia/Shanghai */
  today: string;
  /** chat platforms the demo people get an identity (and the federation a group chat) on: the same ids on each */
  platforms: readonly string[];
}

export interface DemoResult {
  created: boolean;
  orgs: number;
  members: number;
  enrolments: number;
  periodId: number;
}

/** Every calendar date of a policy, moved by `days`. */
export function shiftPolicyDates(policy: Policy, days: number): Policy {
  const shift = (v: unknown): unknown => {
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return addDays(v, days);
    if (Array.isArray(v)) return v.map(shift);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shift(x)]));
    return v;
  };
  return shift(policy) as Policy;
}

export async function loadDemo(o: DemoOptions): Promise<DemoResult> {
  const { db } = o;
  const provider = providerOfDb(db);
  const scale = o.scale ?? 100;
  const existing = await db.programme.findUnique({ where: { code: 'hainan' }, include: { periods: true } });
  if (existing) {
    const current = must(
      existing.periods.find((p) => p.current) ?? existing.periods[0],
      'the demo programme has its periods',
    );
    return {
      created: false,
      orgs: await db.org.count(),
      members: await db.member.count(),
      enrolments: await db.enrolment.count(),
      periodId: current.id,
    };
  }
  const progress = ProgressSchema.parse(JSON.parse(fs.readFileSync(PROGRESS_FILE, 'utf8')));
  const shift = daysBetween(NOTICE_DATE, o.today);
  const published = shiftPolicyDates(loadPolicyFile('hainan-2'), shift);
  // the programme's headline target shrinks with the roster, so the demo's progress reads like the notice's
  const target = published.targets.participants;
  const policy2: Policy = {
    ...published,
    targets: { ...published.targets, participants: target === null ? null : Math.round(target / scale) },
  };
  const policy1 = shiftPolicyDates(policy2, -365);
  const next = rng(20170320);

  return db.$transaction(
    async (tx) => {
      const fed = await tx.org.create({
        data: {
          code: 'HN',
          name: '海南省总工会',
          kind: 'federation',
          groupChats: JSON.stringify(Object.fromEntries(o.platforms.map((p) => [p, DEMO_GROUP_CHAT]))),
        },
      });
      await tx.org.update({ where: { id: fed.id }, data: { path: `/${fed.id}/` } });
      const programme = await tx.programme.create({
        data: { code: 'hainan', name: '海南省职工医疗互助', federationId: fed.id },
      });
      const p1 = await tx.period.create({
        data: {
          programmeId: programme.id,
          number: 1,
          name: '第一期',
          startsOn: policy1.startsOn,
          endsOn: policy1.endsOn,
          policy: JSON.stringify(policy1),
        },
      });
      const p2 = await tx.period.create({
        data: {
          programmeId: programme.id,
          number: 2,
          name: '第二期',
          startsOn: policy2.startsOn,
          endsOn: policy2.endsOn,
          policy: JSON.stringify(policy2),
          current: true,
        },
      });

      let orgCount = 1;
      let memberSeq = 0;
      const members: {
        name: string;
        idHash: string;
        idLast4: string;
        birthDate: string;
        status: string;
        unitId: number;
        hasCriticalIllnessInsurance: boolean;
      }[] = [];
      const enrolPlan: { idHash: string; unitId: number; rankUnitId: number; p1: boolean; p2: boolean }[] = [];
      let officeNo = 0;
      // the demo people are real rows of the notice's counts: their office's synthetic rows make room for them, and
      // no synthetic ID number may be one of theirs (at scale 1 the walk of birth dates reaches them)
      const demoIds = new Set<string>(DEMO_PEOPLE.map((p) => p.id));
      const demoEnrolled = DEMO_PEOPLE.filter((p) => p.enrolled !== null).length;
      let demoUnit: { id: number; rankUnitId: number; officeId: number } | null = null;

      for (const table of progress.tables) {
        const totals = noticeMemberTotals(table.rows);
        for (const [rowNo, row] of table.rows.entries()) {
          officeNo++;
          const code = `HN-${String(officeNo).padStart(2, '0')}`;
          const total = totals[rowNo] ?? null;
          const note = row.ratio && !/^[\d.]+%$/.test(row.ratio) ? row.ratio : null;
          const scaledTotal = total === null ? null : Math.max(1, Math.round(total / scale));
          const office = await tx.org.create({
            data: {
              code,
              name: row.name,
              kind: 'office',
              category: table.category,
              parentId: fed.id,
              memberTotal: scaledTotal,
              rankNote: note,
            },
          });
          await tx.org.update({
            where: { id: office.id },
            data: { rankUnitId: office.id, officeId: office.id, path: `/${fed.id}/${office.id}/` },
          });
          const enrolled = Math.max(
            0,
            Math.round(row.participants / scale) - (row.name === DEMO_OFFICE_NAME ? demoEnrolled : 0),
          );
          const previous = Math.round(row.previous / scale);
          const headcount = Math.max(scaledTotal ?? 0, enrolled);
          await tx.unitBaseline.create({ data: { periodId: p2.id, orgId: office.id, previousParticipants: previous } });
          // the office's members sit in grassroots unions of about 40 people under one agent point
          const agent = await tx.org.create({
            data: {
              code: `${code}-A1`,
              name: `${row.name}代办点`,
              kind: 'agent',
              parentId: office.id,
              rankUnitId: office.id,
              officeId: office.id,
            },
          });
          await tx.org.update({ where: { id: agent.id }, data: { path: `/${fed.id}/${office.id}/${agent.id}/` } });
          const unions = Math.min(10, Math.max(1, Math.ceil(headcount / 40)));
          const unitIds: number[] = [];
          for (let u = 1; u <= unions; u++) {
            const unit = await tx.org.create({
              data: {
                code: `${code}-U${u}`,
                name: `${row.name.replace(/(总)?工会.*$/, '')}第${u}基层工会`,
                kind: 'union',
                parentId: agent.id,
                rankUnitId: office.id,
                officeId: office.id,
              },
            });
            await tx.org.update({
              where: { id: unit.id },
              data: { path: `/${fed.id}/${office.id}/${agent.id}/${unit.id}/` },
            });
            unitIds.push(unit.id);
          }
          orgCount += 2 + unions;
          if (row.name === DEMO_OFFICE_NAME) {
            const unit = await tx.org.create({
              data: {
                code: DEMO_UNIT_CODE,
                name: '海口市演示单位工会',
                kind: 'union',
                parentId: agent.id,
                rankUnitId: office.id,
                officeId: office.id,
              },
            });
            await tx.org.update({
              where: { id: unit.id },
              data: { path: `/${fed.id}/${office.id}/${agent.id}/${unit.id}/` },
            });
            demoUnit = { id: unit.id, rankUnitId: office.id, officeId: office.id };
            orgCount++;
          }
          for (let i = 0; i < headcount; i++) {
            let id = syntheticIdNumber('460100', 1000 + memberSeq++);
            while (demoIds.has(id)) id = syntheticIdNumber('460100', 1000 + memberSeq++);
            const unitId = must(unitIds[i % unitIds.length], 'the demo has units');
            const idHash = hashIdNumber(o.hashKey, id);
            members.push({
              name: syntheticName(next),
              idHash,
              idLast4: idLast4(id),
              birthDate: birthDateOf(id),
              status: next() < 0.8 ? 'in_service' : 'retired',
              unitId,
              hasCriticalIllnessInsurance: true,
            });
            enrolPlan.push({ idHash, unitId, rankUnitId: office.id, p1: i < previous, p2: i < enrolled });
          }
        }
      }
      if (!demoUnit) throw new Error(`demo office ${DEMO_OFFICE_NAME} missing from ${PROGRESS_FILE}`);

      for (const p of DEMO_PEOPLE) {
        const idHash = hashIdNumber(o.hashKey, p.id);
        members.push({
          name: p.name,
          idHash,
          idLast4: idLast4(p.id),
          birthDate: birthDateOf(p.id),
          status: 'in_service',
          unitId: demoUnit.id,
          hasCriticalIllnessInsurance: true,
        });
        enrolPlan.push({
          idHash,
          unitId: demoUnit.id,
          rankUnitId: demoUnit.rankUnitId,
          p1: p.enrolled === 'renewal',
          p2: p.enrolled !== null,
        });
      }

      const stamp = new Date();
      await insertMany(
        tx,
        provider,
        'Member',
        members.map((m) => ({ ...m, hasBasicInsurance: true, createdAt: stamp, updatedAt: stamp })),
      );
      const idOf = new Map(
        (await tx.member.findMany({ select: { id: true, idHash: true } })).map((m) => [m.idHash, m.id]),
      );

      const fee2 = {
        renewal: feeFor(policy2, { participatedLastPeriod: true }),
        fresh: feeFor(policy2, { participatedLastPeriod: false }),
      };
      const fee1 = feeFor(policy1, { participatedLastPeriod: false });
      const enrolments = enrolPlan.flatMap((e) => {
        const memberId = must(idOf.get(e.idHash), 'every planned enrolment is of a member inserted above');
        const rows = [];
        if (e.p1)
          rows.push({
            periodId: p1.id,
            memberId,
            unitId: e.unitId,
            rankUnitId: e.rankUnitId,
            kind: 'new',
            feeFen: fee1.feeFen,
            paid: true,
            source: 'demo',
          });
        if (e.p2) {
          const f = e.p1 ? fee2.renewal : fee2.fresh;
          rows.push({
            periodId: p2.id,
            memberId,
            unitId: e.unitId,
            rankUnitId: e.rankUnitId,
            kind: f.kind,
            feeFen: f.feeFen,
            paid: true,
            source: 'demo',
          });
        }
        return rows;
      });
      await insertMany(
        tx,
        provider,
        'Enrolment',
        enrolments.map((e) => ({ ...e, createdAt: stamp, updatedAt: stamp })),
      );

      const fedId = fed.id;
      for (const p of DEMO_PEOPLE) {
        const memberId = must(idOf.get(hashIdNumber(o.hashKey, p.id)), `demo person ${p.id} was inserted above`);
        if (p.bound)
          await tx.chatIdentity.createMany({
            data: o.platforms.map((platform) => ({ platform, userId: p.userId, memberId, boundBy: 'demo' })),
          });
        if ('role' in p) {
          const orgId = p.role === 'rep' ? demoUnit.id : p.role === 'officer' ? demoUnit.officeId : fedId;
          await tx.roleGrant.create({ data: { memberId, role: p.role, orgId } });
        }
        if (p.claimPaid) {
          const claim = {
            totalFen: 2_860_000,
            basicInsuranceFen: 1_980_000,
            selfPaidFen: 880_000,
            majorIllness: false,
          };
          const s = computeSubsidy(policy2, claim, { paidThisPeriodFen: 0 });
          const admitted = addDays(o.today, -40);
          const c = await tx.claim.create({
            data: {
              periodId: p2.id,
              memberId,
              officeId: demoUnit.officeId,
              hospital: '海南省人民医院',
              admittedOn: admitted,
              dischargedOn: addDays(admitted, 9),
              ...claim,
              subsidyFen: s.subsidyFen,
              breakdown: JSON.stringify(s),
              // seeded as history: a claim that went submitted → approved → paid (the approval rows follow)
              status: 'paid' satisfies ClaimStatus,
              submittedAt: new Date(`${addDays(admitted, 12)}T10:00:00+08:00`),
              paidAt: new Date(`${addDays(admitted, 25)}T10:00:00+08:00`),
            },
          });
          const officer = must(
            idOf.get(hashIdNumber(o.hashKey, DEMO_PEOPLE[4].id)),
            'the demo officer was inserted above',
          );
          await tx.approval.create({
            data: {
              claimId: c.id,
              approverId: officer,
              level: 1,
              decision: 'approve',
              decidedAt: new Date(`${addDays(admitted, 15)}T10:00:00+08:00`),
            },
          });
        }
      }
      await audit(tx, 'cli', 'demo.load', 'Programme', 'hainan', {
        scale,
        today: o.today,
        members: members.length,
        enrolments: enrolments.length,
      });
      return { created: true, orgs: orgCount, members: members.length, enrolments: enrolments.length, periodId: p2.id };
    },
    { timeout: 600_000, maxWait: 30_000 },
  );
}
