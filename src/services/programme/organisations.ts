/**
 * The organisations file: federation → 办事处 → 代办点 → 基层工会 → 分工会, each unit's ranking category and its
 * figures (会员总数, 参加目标, 理赔目标基数, 上期参加人数). A unit is known by its code: a new name is a rename, a
 * new parent a move. Units missing from the file are kept (a file may cover one office); nothing is deleted.
 */

import { must } from '../../core/must.js';
import { insertMany } from '../../db/bulk.js';
import type { Provider } from '../../db/client.js';
import { audit } from '../audit.js';
import { groupHeader, ORG_COLUMNS, orgColumns, type PlatformColumn } from './columns.js';
import { selectIn } from './lookup.js';
import { CODE, chunks, type Issue, type PlanResult, type Tx, wholeNumber } from './plan.js';
import type { TableRow } from './table.js';

export const ORG_KINDS = {
  总工会: 'federation',
  办事处: 'office',
  代办点: 'agent',
  基层工会: 'union',
  分工会: 'subunion',
} as const;
type OrgKind = (typeof ORG_KINDS)[keyof typeof ORG_KINDS];
/** 是/否 cells; an empty one is 否 */
const YES_NO = { 是: true, 否: false, '': false } as const;
const DEPTH: Record<OrgKind, number> = { federation: 0, office: 1, agent: 2, union: 3, subunion: 4 };
export const ORG_KIND_LABEL = Object.fromEntries(Object.entries(ORG_KINDS).map(([k, v]) => [v, k])) as Record<
  OrgKind,
  string
>;

interface OrgRow {
  line: number;
  code: string;
  name: string;
  kind: OrgKind;
  parent: string | null;
  category: string | null;
  memberTotal: number | null;
  enrolmentTarget: number | null;
  claimTargetBase: number | null;
  previousParticipants: number | null;
  rankNote: string | null;
  insuredHeadcount: number | null;
  restructured: boolean;
  entryBreach: boolean;
  /** JSON {platform: chatId}, or null */
  groupChats: string | null;
}

/** the fields a file sets, as stored */
const FIELDS = [
  'name',
  'kind',
  'category',
  'memberTotal',
  'enrolmentTarget',
  'claimTargetBase',
  'previousParticipants',
  'rankNote',
  'insuredHeadcount',
  'restructured',
  'entryBreach',
  'groupChats',
] as const;
const FIELD_HEADER: Record<string, string> = {
  ...Object.fromEntries(ORG_COLUMNS.map((c) => [c.key, c.header])),
  parentId: '上级单位编码',
  groupChats: '群聊',
};

function readRows(
  rows: TableRow[],
  index: Map<string, number>,
  platforms: readonly PlatformColumn[],
  issues: Issue[],
): OrgRow[] {
  const out: OrgRow[] = [];
  const columns = orgColumns(platforms);
  const header = (key: string) =>
    must(
      columns.find((c) => c.key === key),
      `an organisation column ${key}`,
    ).header;
  for (const r of rows) {
    const cell = (key: string) => {
      const i = index.get(key);
      return i === undefined ? '' : (r.cells[i] ?? '');
    };
    const bad = (key: string, message: string) => issues.push({ line: r.line, column: header(key), message });
    const code = cell('code');
    if (!CODE.test(code))
      bad('code', code ? `单位编码“${code}”只能包含字母、数字、- 和 _（最多 40 个）` : '单位编码为空');
    const name = cell('name');
    if (!name) bad('name', '单位名称为空');
    else if (name.length > 60) bad('name', '单位名称过长（最多 60 个字）');
    const kind = ORG_KINDS[cell('kind') as keyof typeof ORG_KINDS];
    if (!kind) bad('kind', `单位类型应为 ${Object.keys(ORG_KINDS).join(' / ')}，现为“${cell('kind')}”`);
    const parent = cell('parent') || null;
    if (kind === 'federation' && parent) bad('parent', '总工会没有上级单位：请留空');
    if (kind && kind !== 'federation' && !parent) bad('parent', '上级单位编码为空');
    const numbers = {} as Record<
      'memberTotal' | 'enrolmentTarget' | 'claimTargetBase' | 'previousParticipants' | 'insuredHeadcount',
      number | null
    >;
    for (const key of [
      'memberTotal',
      'enrolmentTarget',
      'claimTargetBase',
      'previousParticipants',
      'insuredHeadcount',
    ] as const) {
      const v = wholeNumber(cell(key));
      if (v === undefined) bad(key, `应为不小于 0 的整数，现为“${cell(key)}”`);
      numbers[key] = v ?? null;
    }
    const flags = {} as Record<'restructured' | 'entryBreach', boolean>;
    for (const key of ['restructured', 'entryBreach'] as const) {
      const v = cell(key);
      if (v && !(v in YES_NO)) bad(key, `应为 是 或 否（空为否），现为“${v}”`);
      flags[key] = YES_NO[v as keyof typeof YES_NO] ?? false;
    }
    const category = cell('category') || null;
    const groups: Record<string, string> = {};
    for (const p of platforms) {
      const chat = cell(`group:${p.name}`);
      if (!chat) continue;
      if (!/^[A-Za-z0-9_.@$+=/-]{1,128}$/.test(chat)) bad(`group:${p.name}`, `${groupHeader(p)} id 含有不允许的字符`);
      groups[p.name] = chat;
    }
    if (code && name && kind)
      out.push({
        line: r.line,
        code,
        name,
        kind,
        parent,
        category,
        ...numbers,
        ...flags,
        rankNote: cell('rankNote') || null,
        groupChats: Object.keys(groups).length ? JSON.stringify(groups) : null,
      });
  }
  return out;
}

interface Existing {
  id: number;
  code: string;
  parentId: number | null;
  kind: string;
  name: string;
  category: string | null;
  memberTotal: number | null;
  enrolmentTarget: number | null;
  claimTargetBase: number | null;
  previousParticipants: number | null;
  rankNote: string | null;
  insuredHeadcount: number | null;
  restructured: boolean;
  entryBreach: boolean;
  groupChats: string | null;
  rankUnitId: number | null;
  officeId: number | null;
  path: string;
}

export async function planOrganisations(
  tx: Tx,
  rows: TableRow[],
  index: Map<string, number>,
  platforms: readonly PlatformColumn[],
): Promise<PlanResult> {
  const issues: Issue[] = [];
  const fileRows = readRows(rows, index, platforms, issues);
  const byCode = new Map<string, OrgRow>();
  for (const r of fileRows) {
    const first = byCode.get(r.code);
    if (first)
      issues.push({ line: r.line, column: '单位编码', message: `单位编码 ${r.code} 与第 ${first.line} 行重复` });
    else byCode.set(r.code, r);
  }
  if (fileRows.length === 0 && issues.length === 0) issues.push({ line: 0, message: '文件中没有单位行' });

  const existing = (await tx.org.findMany({
    select: {
      id: true,
      code: true,
      parentId: true,
      kind: true,
      name: true,
      category: true,
      memberTotal: true,
      enrolmentTarget: true,
      claimTargetBase: true,
      previousParticipants: true,
      rankNote: true,
      insuredHeadcount: true,
      restructured: true,
      entryBreach: true,
      groupChats: true,
      rankUnitId: true,
      officeId: true,
      path: true,
    },
  })) as Existing[];
  const dbByCode = new Map(existing.map((o) => [o.code, o]));
  const codeById = new Map(existing.map((o) => [o.id, o.code]));
  // the tree as it will be: the file's rows over what the database holds
  const kindOf = (code: string) => byCode.get(code)?.kind ?? (dbByCode.get(code)?.kind as OrgKind | undefined);
  const parentOf = (code: string): string | null => {
    const f = byCode.get(code);
    if (f) return f.parent;
    const d = dbByCode.get(code);
    return d?.parentId ? (codeById.get(d.parentId) ?? null) : null;
  };
  for (const r of byCode.values()) {
    if (!r.parent) continue;
    const pk = kindOf(r.parent);
    if (!pk) {
      issues.push({
        line: r.line,
        column: '上级单位编码',
        message: `找不到上级单位 ${r.parent}：它不在本文件中，也不在系统中`,
      });
      continue;
    }
    if (DEPTH[pk] >= DEPTH[r.kind])
      issues.push({
        line: r.line,
        column: '单位类型',
        message: `${ORG_KIND_LABEL[r.kind]}不能设在${ORG_KIND_LABEL[pk]}（${r.parent}）之下`,
      });
  }
  if (issues.length) return { ok: false, kind: 'organisations', issues };

  // what changes
  const changes: string[] = [];
  const created = [...byCode.values()].filter((r) => !dbByCode.has(r.code));
  const updates: { row: OrgRow; old: Existing; data: Record<string, unknown> }[] = [];
  for (const r of byCode.values()) {
    const old = dbByCode.get(r.code);
    if (!old) continue;
    const data: Record<string, unknown> = {};
    for (const f of FIELDS) if (old[f] !== r[f]) data[f] = r[f];
    if (parentOf(r.code) !== (old.parentId ? (codeById.get(old.parentId) ?? null) : null)) data.parentId = r.parent;
    if (Object.keys(data).length) {
      updates.push({ row: r, old, data });
      changes.push(
        `单位 ${r.code}：${Object.entries(data)
          .map(([k, v]) => {
            const before =
              k === 'parentId' ? (old.parentId ? codeById.get(old.parentId) : '') : old[k as keyof Existing];
            const show = (x: unknown) =>
              x === null || x === undefined || x === ''
                ? '（空）'
                : k === 'kind'
                  ? ORG_KIND_LABEL[x as OrgKind]
                  : typeof x === 'boolean'
                    ? x
                      ? '是'
                      : '否'
                    : String(x);
            return `${FIELD_HEADER[k] ?? k} ${show(before)} → ${show(v)}`;
          })
          .join('，')}`,
      );
    }
  }
  for (const r of created) changes.push(`新增单位 ${r.code} ${r.name}（${ORG_KIND_LABEL[r.kind]}）`);

  return {
    ok: true,
    plan: {
      summary: {
        kind: 'organisations',
        created: created.length,
        changed: updates.length,
        unchanged: byCode.size - created.length - updates.length,
        changes,
      },
      async apply(tx, actor, provider) {
        const stamp = new Date();
        // new units level by level, so each parent has its id before its children go in
        const idOf = new Map(existing.map((o) => [o.code, o.id]));
        const parentIdOf = (code: string) => must(idOf.get(code), `parent ${code} exists or went in a level above`);
        const byDepth = [...created].sort((a, b) => DEPTH[a.kind] - DEPTH[b.kind]);
        for (let depth = 0; depth <= 4; depth++) {
          const level = byDepth.filter((r) => DEPTH[r.kind] === depth);
          if (!level.length) continue;
          await insertMany(
            tx,
            provider,
            'Org',
            level.map((r) => ({
              code: r.code,
              name: r.name,
              kind: r.kind,
              category: r.category,
              parentId: r.parent ? parentIdOf(r.parent) : null,
              memberTotal: r.memberTotal,
              enrolmentTarget: r.enrolmentTarget,
              claimTargetBase: r.claimTargetBase,
              previousParticipants: r.previousParticipants,
              rankNote: r.rankNote,
              insuredHeadcount: r.insuredHeadcount,
              restructured: r.restructured,
              entryBreach: r.entryBreach,
              groupChats: r.groupChats,
              path: '',
              createdAt: stamp,
            })),
          );
          const ids = await selectIn<{ id: number; code: string }>(
            tx,
            provider,
            'Org',
            ['id', 'code'],
            'code',
            level.map((r) => r.code),
          );
          for (const o of ids) idOf.set(o.code, o.id);
        }
        for (const u of updates) {
          const data = { ...u.data };
          if ('parentId' in data) data.parentId = u.row.parent ? parentIdOf(u.row.parent) : null;
          await tx.org.update({ where: { id: u.old.id }, data });
          await audit(tx, actor, 'org.update', 'Org', u.row.code, {
            before: pick(u.old, Object.keys(u.data)),
            after: u.data,
          });
        }
        await recomputeTree(tx, provider, changes.length > 0);
        if (created.length)
          await audit(
            tx,
            actor,
            'org.create',
            'Org',
            created[0] && created.length === 1 ? created[0].code : `${created.length} units`,
            {
              codes: created.map((r) => r.code),
            },
          );
      },
    },
  };
}

function pick(o: Existing, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, k === 'parentId' ? o.parentId : o[k as keyof Existing]]));
}

/** the tree columns of many orgs at once, from one JSON parameter [{id, path, rankUnitId, officeId}] */
const TREE_UPDATE: Record<Provider, string> = {
  sqlite: `UPDATE "Org" SET "path" = v."path", "rankUnitId" = v."rankUnitId", "officeId" = v."officeId"
    FROM (SELECT json_extract(value, '$.id') AS "id", json_extract(value, '$.path') AS "path",
      json_extract(value, '$.rankUnitId') AS "rankUnitId", json_extract(value, '$.officeId') AS "officeId"
      FROM json_each(?)) AS v WHERE "Org"."id" = v."id"`,
  postgresql: `UPDATE "Org" o SET "path" = v."path", "rankUnitId" = v."rankUnitId", "officeId" = v."officeId"
    FROM json_to_recordset($1::json) AS v("id" int, "path" text, "rankUnitId" int, "officeId" int) WHERE o."id" = v."id"`,
};

/**
 * The denormalised tree columns every aggregation reads without joins: path ("/1/5/23/"), the ranked unit an org
 * counts towards (its nearest ancestor-or-self with a category) and its office (nearest 办事处, else the
 * federation). Only rows whose values differ are written.
 */
export async function recomputeTree(tx: Tx, provider: Provider, changed: boolean): Promise<number> {
  if (!changed) return 0;
  const all = await tx.org.findMany({
    select: { id: true, parentId: true, kind: true, category: true, path: true, rankUnitId: true, officeId: true },
  });
  const byId = new Map(all.map((o) => [o.id, o]));
  const computed = new Map<number, { path: string; rankUnitId: number | null; officeId: number | null }>();
  const compute = (
    id: number,
    seen: Set<number>,
  ): { path: string; rankUnitId: number | null; officeId: number | null } => {
    const done = computed.get(id);
    if (done) return done;
    const o = must(byId.get(id), `organisation ${id} is in the tree`);
    if (seen.has(id)) throw new Error(`organisation tree has a cycle at ${id}`);
    seen.add(id);
    const up = o.parentId ? compute(o.parentId, seen) : { path: '/', rankUnitId: null, officeId: null };
    const v = {
      path: `${up.path}${id}/`,
      rankUnitId: o.category ? id : up.rankUnitId,
      officeId: o.kind === 'office' ? id : (up.officeId ?? (o.kind === 'federation' ? id : null)),
    };
    computed.set(id, v);
    return v;
  };
  const moved = new Map<number | null, number[]>();
  const rows: { id: number; path: string; rankUnitId: number | null; officeId: number | null }[] = [];
  for (const o of all) {
    const v = compute(o.id, new Set());
    if (v.path !== o.path || v.rankUnitId !== o.rankUnitId || v.officeId !== o.officeId) rows.push({ id: o.id, ...v });
    if (v.rankUnitId !== o.rankUnitId && o.path !== '')
      moved.set(v.rankUnitId, [...(moved.get(v.rankUnitId) ?? []), o.id]);
  }
  // one statement per few thousand rows: a province's 5 000 new units would otherwise be 5 000 round trips
  for (const part of chunks(rows, 2_000)) await tx.$executeRawUnsafe(TREE_UPDATE[provider], JSON.stringify(part));
  const n = rows.length;
  // enrolments carry their unit's ranked unit for aggregation: a unit that moved takes its enrolments along
  for (const [rankUnitId, unitIds] of moved)
    await tx.enrolment.updateMany({ where: { unitId: { in: unitIds } }, data: { rankUnitId } });
  return n;
}
