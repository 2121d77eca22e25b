/**
 * The people file: officers, centre approvers, reps (代办员) and admins, with their chat accounts on each platform.
 * A person is known by their ID number (kept as a keyed hash and its last 4, like the roster's). For every
 * (role, unit) the file names, the file lists all its holders: a holder no longer listed loses the role, so
 * replacing a unit's rep is one changed row. A person the roster already holds is the same member.
 */

import { must } from '../../core/must.js';
import { insertMany } from '../../db/bulk.js';
import type { Provider } from '../../db/client.js';
import { validateIdNumber } from '../../rules/index.js';
import { audit } from '../audit.js';
import { hashIdNumber, idLast4 } from '../id-hash.js';
import { accountHeader, type PlatformColumn, peopleColumns } from './columns.js';
import { selectIn } from './lookup.js';
import type { Issue, PlanResult, Tx } from './plan.js';
import type { TableRow } from './table.js';

type Role = 'rep' | 'officer' | 'centre' | 'admin';
const ROLE_WORDS: Record<string, Role> = {
  代办员: 'rep',
  基层工会干部: 'rep',
  办事处经办人: 'officer',
  经办人: 'officer',
  审批人: 'officer',
  中心审批人: 'centre',
  管理员: 'admin',
};
export const ROLE_LABEL: Record<Role, string> = {
  rep: '代办员',
  officer: '办事处经办人',
  centre: '中心审批人',
  admin: '管理员',
};
/** which kinds of unit a role may sit on */
const ROLE_ORG_KINDS: Record<Role, string[]> = {
  rep: ['office', 'agent', 'union', 'subunion'],
  officer: ['office', 'federation'],
  centre: ['federation'],
  admin: ['federation'],
};

const NAME = /^[\p{Script=Han}A-Za-z·•.]{1,30}$/u;
const PHONE = /^1[3-9]\d{9}$/;
const ACCOUNT = /^[A-Za-z0-9_.@-]{1,64}$/;

interface PersonRow {
  line: number;
  name: string;
  idHash: string;
  idLast4: string;
  birthDate: string;
  unit: string;
  roles: Role[];
  roleOrg: string | null;
  status: 'in_service' | 'retired';
  phone: string | null;
  accounts: Map<string, string>;
}

export async function planPeople(
  tx: Tx,
  rows: TableRow[],
  index: Map<string, number>,
  o: { platforms: readonly PlatformColumn[]; hashKey: string; provider: Provider },
): Promise<PlanResult> {
  const issues: Issue[] = [];
  const columns = peopleColumns(o.platforms);
  const header = (key: string) =>
    must(
      columns.find((c) => c.key === key),
      `a people column ${key}`,
    ).header;
  // accounts are read only from the platforms' columns, so each platform named has its column
  const platformColumn = (name: string) =>
    must(
      o.platforms.find((x) => x.name === name),
      `platform ${name} has a column`,
    );
  const orgs = await tx.org.findMany({ select: { id: true, code: true, kind: true } });
  const orgByCode = new Map(orgs.map((x) => [x.code, x]));
  // every unit code in a row that reaches the plan was checked against orgByCode when the rows were read
  const orgIdOf = (code: string) => must(orgByCode.get(code), `unit ${code} was checked`).id;
  const codeOfOrg = new Map(orgs.map((x) => [x.id, x.code]));
  const accountsHint = o.platforms.map(accountHeader).join('、');

  const people: PersonRow[] = [];
  for (const r of rows) {
    const cell = (key: string) => {
      const i = index.get(key);
      return i === undefined ? '' : (r.cells[i] ?? '');
    };
    const bad = (key: string, message: string) => issues.push({ line: r.line, column: header(key), message });
    const name = cell('name').replace(/\s+/g, '');
    if (!NAME.test(name)) bad('name', name ? '姓名只能包含汉字、字母和间隔号（最多 30 个字）' : '姓名为空');
    const id = cell('idNumber').replace(/\s+/g, '').toUpperCase();
    const check = id ? validateIdNumber(id) : null;
    if (!check) bad('idNumber', '身份证号为空');
    else if (!check.ok) bad('idNumber', `身份证号无效：${check.reason}`);
    const unit = cell('unit');
    if (!unit) bad('unit', '所在单位编码为空');
    else if (!orgByCode.has(unit)) bad('unit', `找不到单位 ${unit}：请先在组织文件中建立`);
    const roles: Role[] = [];
    for (const w of cell('role')
      .split(/[、,，/;；\s]+/)
      .filter(Boolean)) {
      const role = ROLE_WORDS[w];
      if (!role) bad('role', `角色应为 ${Object.values(ROLE_LABEL).join(' / ')}，现为“${w}”`);
      else if (!roles.includes(role)) roles.push(role);
    }
    const roleOrg = cell('roleOrg') || null;
    if (roles.length && !roleOrg) bad('roleOrg', '填了角色就要填负责单位编码');
    if (!roles.length && roleOrg) bad('role', '填了负责单位编码却没有填角色');
    const org = roleOrg ? orgByCode.get(roleOrg) : undefined;
    if (roleOrg && !org) bad('roleOrg', `找不到单位 ${roleOrg}：请先在组织文件中建立`);
    if (org)
      for (const role of roles)
        if (!ROLE_ORG_KINDS[role].includes(org.kind))
          bad('roleOrg', `${ROLE_LABEL[role]}不能设在这类单位（${roleOrg}）上`);
    const statusText = cell('status');
    const status =
      statusText === '' || /^(在职|在岗)$/.test(statusText)
        ? 'in_service'
        : /^(退休|离退休)$/.test(statusText)
          ? 'retired'
          : null;
    if (!status) bad('status', `“在职/退休”应填“在职”或“退休”，现为“${statusText}”`);
    const phone = cell('phone') || null;
    if (phone && !PHONE.test(phone)) bad('phone', '手机号应为 11 位手机号码');
    const accounts = new Map<string, string>();
    for (const p of o.platforms) {
      const a = cell(`account:${p.name}`);
      if (!a) continue;
      if (!ACCOUNT.test(a)) bad(`account:${p.name}`, '账号只能包含字母、数字和 _.@-');
      else accounts.set(p.name, a);
    }
    if (roles.length && accounts.size === 0)
      issues.push({
        line: r.line,
        column: accountsHint,
        message: `${roles.map((x) => ROLE_LABEL[x]).join('、')}须至少填写一个聊天账号（${accountsHint}），否则收不到推送和审批卡片`,
      });
    if (check?.ok && NAME.test(name) && unit && status)
      people.push({
        line: r.line,
        name,
        idHash: hashIdNumber(o.hashKey, id),
        idLast4: idLast4(id),
        birthDate: check.birthDate,
        unit,
        roles,
        roleOrg,
        status,
        phone,
        accounts,
      });
  }

  // one person may have several rows (roles on several units): the same name and unit each time
  const byHash = new Map<string, PersonRow>();
  const extraGrants: { row: PersonRow; roles: Role[]; roleOrg: string }[] = [];
  const accountOwner = new Map<string, PersonRow>();
  for (const p of people) {
    const first = byHash.get(p.idHash);
    if (first) {
      if (first.name !== p.name || first.unit !== p.unit)
        issues.push({
          line: p.line,
          column: '身份证号',
          message: `与第 ${first.line} 行是同一身份证号，但姓名或所在单位不同`,
        });
      for (const [platform, a] of p.accounts)
        if (first.accounts.has(platform) && first.accounts.get(platform) !== a)
          issues.push({
            line: p.line,
            column: accountHeader(platformColumn(platform)),
            message: `与第 ${first.line} 行是同一人，账号却不同`,
          });
        else first.accounts.set(platform, a);
      if (p.roleOrg) extraGrants.push({ row: first, roles: p.roles, roleOrg: p.roleOrg });
    } else byHash.set(p.idHash, p);
    for (const [platform, a] of p.accounts) {
      const key = `${platform}:${a}`;
      const owner = accountOwner.get(key);
      if (owner && owner.idHash !== p.idHash)
        issues.push({
          line: p.line,
          column: accountHeader(platformColumn(platform)),
          message: `账号 ${a} 与第 ${owner.line} 行重复`,
        });
      else accountOwner.set(key, p);
    }
  }
  if (rows.length === 0) issues.push({ line: 0, message: '文件中没有人员行' });

  // what the database holds: a few statements for the whole file (lookup.ts), not a query per row
  type MemberNow = { id: number; idHash: string; name: string; unitId: number; status: string; phone: string | null };
  const members = new Map<string, MemberNow>();
  for (const m of await selectIn<MemberNow>(
    tx,
    o.provider,
    'Member',
    ['id', 'idHash', 'name', 'unitId', 'status', 'phone'],
    'idHash',
    [...byHash.keys()],
  ))
    members.set(m.idHash, m);
  const identityOwner = new Map<string, number>();
  for (const p of o.platforms) {
    const ids = [...accountOwner.keys()]
      .filter((k) => k.startsWith(`${p.name}:`))
      .map((k) => k.slice(p.name.length + 1));
    for (const i of await selectIn<{ userId: string; memberId: number }>(
      tx,
      o.provider,
      'ChatIdentity',
      ['userId', 'memberId'],
      'userId',
      ids,
      { column: 'platform', value: p.name },
    ))
      identityOwner.set(`${p.name}:${i.userId}`, i.memberId);
  }
  for (const [key, row] of accountOwner) {
    const owner = identityOwner.get(key);
    if (owner !== undefined && owner !== members.get(row.idHash)?.id) {
      const platform = key.slice(0, key.indexOf(':'));
      issues.push({
        line: row.line,
        column: accountHeader(platformColumn(platform)),
        message: `账号 ${key.slice(platform.length + 1)} 已绑定到其他人员`,
      });
    }
  }
  if (issues.length) return { ok: false, kind: 'people', issues: issues.sort((a, b) => a.line - b.line) };

  const memberIds = [...members.values()].map((m) => m.id);
  const identities = new Map<string, { id: number; userId: string }>();
  type Grant = { id: number; memberId: number; role: string; orgId: number };
  const grants: Grant[] = [];
  for (const i of await selectIn<{ id: number; memberId: number; platform: string; userId: string }>(
    tx,
    o.provider,
    'ChatIdentity',
    ['id', 'memberId', 'platform', 'userId'],
    'memberId',
    memberIds,
  ))
    identities.set(`${i.memberId}:${i.platform}`, i);
  // the (role, unit) pairs the file speaks for, with every current holder of each
  const wanted = new Map<string, Set<string>>();
  const want = (role: Role, orgCode: string, idHash: string) => {
    const key = `${role}@${orgCode}`;
    const holders = wanted.get(key) ?? new Set<string>();
    holders.add(idHash);
    wanted.set(key, holders);
  };
  for (const p of byHash.values()) if (p.roleOrg) for (const role of p.roles) want(role, p.roleOrg, p.idHash);
  for (const g of extraGrants) for (const role of g.roles) want(role, g.roleOrg, g.row.idHash);
  const pairs = [...wanted.keys()].map((k) => {
    const [role, code] = k.split('@') as [Role, string];
    return { role, orgId: orgIdOf(code) };
  });
  // the current holders of those pairs, by (role, unit): kept when the role is one the file names
  const grantsOf = new Map<string, Grant[]>();
  for (const key of new Set(pairs.map((x) => `${x.role}@${x.orgId}`))) grantsOf.set(key, []);
  for (const g of await selectIn<Grant>(tx, o.provider, 'RoleGrant', ['id', 'memberId', 'role', 'orgId'], 'orgId', [
    ...new Set(pairs.map((x) => x.orgId)),
  ])) {
    const held = grantsOf.get(`${g.role}@${g.orgId}`);
    if (!held) continue;
    held.push(g);
    grants.push(g);
  }
  const hashOfMember = new Map([...members].map(([h, m]) => [m.id, h]));
  const holderNames = new Map([...byHash.values()].map((p) => [p.idHash, p.name]));
  // the names of holders the file does not list (the ones it lists have their row's name)
  const memberNames = new Map(
    (
      await selectIn<{ id: number; name: string }>(tx, o.provider, 'Member', ['id', 'name'], 'id', [
        ...new Set(grants.map((g) => g.memberId).filter((id) => !hashOfMember.has(id))),
      ])
    ).map((m) => [m.id, m.name]),
  );
  for (const m of members.values()) memberNames.set(m.id, m.name);

  const changes: string[] = [];
  const changedPeople = new Set<string>();
  const fresh = [...byHash.values()].filter((p) => !members.has(p.idHash));
  const memberUpdates: { id: number; hash: string; data: Record<string, unknown>; before: Record<string, unknown> }[] =
    [];
  for (const p of byHash.values()) {
    const m = members.get(p.idHash);
    if (!m) continue;
    const data: Record<string, unknown> = {};
    if (m.name !== p.name) data.name = p.name;
    const unitId = orgIdOf(p.unit);
    if (m.unitId !== unitId) data.unitId = unitId;
    if (p.phone && m.phone !== p.phone) data.phone = p.phone;
    if (Object.keys(data).length) {
      memberUpdates.push({
        id: m.id,
        hash: p.idHash,
        data,
        before: { name: m.name, unitId: m.unitId, phone: m.phone },
      });
      changedPeople.add(p.idHash);
      changes.push(
        `${p.name}（身份证后4位 ${p.idLast4}）：${[
          data.name ? `姓名 ${m.name} → ${p.name}` : '',
          data.unitId ? `所在单位 ${codeOfOrg.get(m.unitId)} → ${p.unit}` : '',
          data.phone ? '手机号已更新' : '',
        ]
          .filter(Boolean)
          .join('，')}`,
      );
    }
  }
  const identityChanges: {
    hash: string;
    platform: string;
    userId: string;
    replaces: { id: number; userId: string } | null;
  }[] = [];
  for (const p of byHash.values()) {
    const m = members.get(p.idHash);
    for (const [platform, userId] of p.accounts) {
      const current = m ? identities.get(`${m.id}:${platform}`) : undefined;
      if (current?.userId === userId) continue;
      identityChanges.push({ hash: p.idHash, platform, userId, replaces: current ?? null });
      if (m) {
        changedPeople.add(p.idHash);
        const label = platformColumn(platform).label;
        changes.push(`${p.name}：${label}账号 ${current ? `${current.userId} → ` : ''}${userId}`);
      }
    }
  }
  const grantCreates: { hash: string; role: Role; orgId: number }[] = [];
  const grantRevokes: typeof grants = [];
  for (const [key, holders] of wanted) {
    const [role, code] = key.split('@') as [Role, string];
    const orgId = orgIdOf(code);
    const now = grantsOf.get(`${role}@${orgId}`) ?? [];
    const nowHashes = new Set(now.map((g) => hashOfMember.get(g.memberId)));
    const added = [...holders].filter((h) => !nowHashes.has(h));
    const removed = now.filter((g) => !holders.has(hashOfMember.get(g.memberId) ?? ''));
    for (const h of added) {
      grantCreates.push({ hash: h, role, orgId });
      if (members.has(h)) changedPeople.add(h);
    }
    grantRevokes.push(...removed);
    if (added.length || removed.length) {
      const was = removed.map((g) => memberNames.get(g.memberId) ?? `#${g.memberId}`);
      const is = added.map((h) => holderNames.get(h) ?? h);
      changes.push(
        was.length && is.length
          ? `${code} 的${ROLE_LABEL[role]}：${was.join('、')} → ${is.join('、')}`
          : is.length
            ? `${code} 新增${ROLE_LABEL[role]}：${is.join('、')}`
            : `${code} 不再由 ${was.join('、')} 担任${ROLE_LABEL[role]}`,
      );
    }
  }
  for (const p of fresh)
    changes.push(
      `新增人员 ${p.name}（身份证后4位 ${p.idLast4}）${p.roles.length ? `：${p.roles.map((r) => ROLE_LABEL[r]).join('、')} ${p.roleOrg}` : ''}`,
    );

  return {
    ok: true,
    plan: {
      summary: {
        kind: 'people',
        created: fresh.length,
        changed:
          changedPeople.size +
          new Set(grantRevokes.filter((g) => !hashOfMember.has(g.memberId)).map((g) => g.memberId)).size,
        unchanged: byHash.size - fresh.length - changedPeople.size,
        changes,
      },
      async apply(tx, actor, provider) {
        const stamp = new Date();
        await insertMany(
          tx,
          provider,
          'Member',
          fresh.map((p) => ({
            name: p.name,
            idHash: p.idHash,
            idLast4: p.idLast4,
            birthDate: p.birthDate,
            phone: p.phone,
            status: p.status,
            hasBasicInsurance: true,
            hasCriticalIllnessInsurance: false,
            unitId: orgIdOf(p.unit),
            createdAt: stamp,
            updatedAt: stamp,
          })),
        );
        const idOf = new Map([...members].map(([h, m]) => [h, m.id]));
        for (const m of await selectIn<{ id: number; idHash: string }>(
          tx,
          provider,
          'Member',
          ['id', 'idHash'],
          'idHash',
          fresh.map((p) => p.idHash),
        ))
          idOf.set(m.idHash, m.id);
        for (const u of memberUpdates) {
          await tx.member.update({ where: { id: u.id }, data: u.data });
          await audit(tx, actor, 'member.update', 'Member', u.id, { before: u.before, after: u.data });
        }
        const memberIdOf = (hash: string) => must(idOf.get(hash), 'every person of the file is a member by now');
        for (const c of identityChanges) {
          if (!c.replaces) continue;
          await tx.chatIdentity.update({
            where: { id: c.replaces.id },
            data: { userId: c.userId, boundBy: 'programme' },
          });
          await audit(tx, actor, 'identity.replace', 'Member', memberIdOf(c.hash), {
            platform: c.platform,
            before: c.replaces.userId,
            after: c.userId,
          });
        }
        await insertMany(
          tx,
          provider,
          'ChatIdentity',
          identityChanges
            .filter((c) => !c.replaces)
            .map((c) => ({
              platform: c.platform,
              userId: c.userId,
              memberId: memberIdOf(c.hash),
              boundBy: 'programme',
              createdAt: stamp,
            })),
        );
        for (const g of grantRevokes) {
          await tx.roleGrant.delete({ where: { id: g.id } });
          await audit(tx, actor, 'role.revoke', 'Member', g.memberId, { role: g.role, org: codeOfOrg.get(g.orgId) });
        }
        await insertMany(
          tx,
          provider,
          'RoleGrant',
          grantCreates.map((g) => ({ memberId: memberIdOf(g.hash), role: g.role, orgId: g.orgId })),
        );
        for (const g of grantCreates.filter((x) => members.has(x.hash)))
          await audit(tx, actor, 'role.grant', 'Member', memberIdOf(g.hash), {
            role: g.role,
            org: codeOfOrg.get(g.orgId),
          });
        if (fresh.length)
          await audit(tx, actor, 'people.create', 'Member', `${fresh.length} people`, {
            count: fresh.length,
            grants: grantCreates.length,
          });
      },
    },
  };
}
