/**
 * The Yunnan 12th period of seed 003 (fees 100 新参 / 80 续互) on a test database: a federation, the college
 * union as office, two sub-unions (KMUST-LIB, KMUST-ART) and the current period with its policy.
 */
import { loadPolicyFile } from '../../src/services/policies.js';
import type { TestDb } from './db.js';

export async function seedYunnan12(t: TestDb): Promise<void> {
  const policy = loadPolicyFile('yunnan-12');
  const fed = await t.db.org.create({ data: { code: 'YN', name: '云南冶金集团工会', kind: 'federation' } });
  const office = await t.db.org.create({
    data: {
      code: 'KMUST',
      name: '昆明冶金高等专科学校工会',
      kind: 'office',
      parentId: fed.id,
      category: '产业、系统工会',
    },
  });
  await t.db.org.update({ where: { id: office.id }, data: { rankUnitId: office.id, officeId: office.id } });
  for (const [code, name] of [
    ['KMUST-LIB', '图书馆分工会'],
    ['KMUST-ART', '艺术学院分工会'],
  ] as const)
    await t.db.org.create({
      data: { code, name, kind: 'subunion', parentId: office.id, rankUnitId: office.id, officeId: office.id },
    });
  const prog = await t.db.programme.create({
    data: { code: 'yunnan', name: '云南省职工医疗互助', federationId: fed.id },
  });
  await t.db.period.create({
    data: {
      programmeId: prog.id,
      number: 12,
      name: '第十二期',
      startsOn: policy.startsOn,
      endsOn: policy.endsOn,
      policy: JSON.stringify(policy),
      current: true,
    },
  });
}
