/**
 * The three set-up files an office keeps (组织、人员、期次), their columns, and how a file's kind is recognised:
 * by its header (a CSV has nothing else), checked against the sheet name a template gives it.
 * The people file's chat-account columns come from the platforms the app speaks, named like the roster's
 * (services/roster/read.ts): 企业微信账号, 钉钉账号.
 */
import { must } from '../../core/must.js';

export type ProgrammeKind = 'organisations' | 'people' | 'period';

export const KIND_LABEL: Record<ProgrammeKind, string> = { organisations: '组织', people: '人员', period: '期次' };

/** a platform the people file carries an account column for */
export interface PlatformColumn {
  /** the platform's name in data (ChatIdentity.platform) */
  name: string;
  /** how a person calls it: 企业微信, 钉钉 */
  label: string;
}

export interface Column {
  key: string;
  header: string;
  required: boolean;
  /** other headers people write for the same column */
  aliases?: string[];
  /** a line for the template's 说明 sheet */
  help: string;
}

export function accountHeader(p: PlatformColumn): string {
  return `${p.label}账号`;
}

export const ORG_COLUMNS: Column[] = [
  { key: 'code', header: '单位编码', required: true, help: '唯一编码，字母、数字、- 或 _；改名时编码不变' },
  { key: 'name', header: '单位名称', required: true, help: '单位全称' },
  { key: 'kind', header: '单位类型', required: true, help: '总工会 / 办事处 / 代办点 / 基层工会 / 分工会' },
  { key: 'parent', header: '上级单位编码', required: true, help: '总工会留空，其他单位填上级的单位编码' },
  { key: 'category', header: '排名类别', required: true, help: '参加排名的单位填类别，如 市、县工会；不排名的留空' },
  { key: 'memberTotal', header: '会员总数', required: true, help: '排名比例的分母（已完成数占会员总数比例）' },
  { key: 'enrolmentTarget', header: '参加目标', required: false, help: '本期参加人数目标' },
  {
    key: 'claimTargetBase',
    header: '理赔目标基数',
    required: false,
    help: '理赔目标的基数人数（上年任务数或上年参加数）',
  },
  {
    key: 'previousParticipants',
    header: '上期参加人数',
    required: false,
    help: '本系统中没有上期名册时，通知所印的上期参加人数',
  },
  { key: 'rankNote', header: '排名备注', required: false, help: '代替比例显示的文字，如 省本级100%' },
  {
    key: 'insuredHeadcount',
    header: '参加医保人数',
    required: false,
    help: '办事处填本地区、本系统参加城镇职工基本医疗保险的总人数：吸收改制或关停并转企业职工时核对参加比例',
  },
  {
    key: 'restructured',
    header: '改制或关停并转',
    required: false,
    help: '是 / 否（空为否）：改制或关停并转企业，所在办事处在职职工参加比例达到政策比例方可参加',
  },
  {
    key: 'entryBreach',
    header: '违反入口规定',
    required: false,
    help: '是 / 否（空为否）：经核查不符合入口规定的单位，不予补助，不予退款',
  },
];

export function groupHeader(p: PlatformColumn): string {
  return `${p.label}群聊`;
}

/** the organisations file with a group-chat column per platform (announcements and the progress tables go there) */
export function orgColumns(platforms: readonly PlatformColumn[]): Column[] {
  return [
    ...ORG_COLUMNS,
    ...platforms.map((p) => ({
      key: `group:${p.name}`,
      header: groupHeader(p),
      required: false,
      help: `本单位在${p.label}的群聊 id（chatid / openConversationId），通知和进度表发到这里`,
    })),
  ];
}

export function peopleColumns(platforms: readonly PlatformColumn[]): Column[] {
  return [
    { key: 'name', header: '姓名', required: true, help: '姓名' },
    {
      key: 'idNumber',
      header: '身份证号',
      required: true,
      aliases: ['身份证号码'],
      help: '18 位身份证号（只保存校验值和后 4 位）',
    },
    { key: 'unit', header: '所在单位编码', required: true, help: '本人所在单位的单位编码' },
    { key: 'role', header: '角色', required: true, help: '代办员 / 办事处经办人 / 中心审批人 / 管理员；无角色留空' },
    {
      key: 'roleOrg',
      header: '负责单位编码',
      required: true,
      help: '代办员填所负责单位，经办人填办事处，中心审批人和管理员填总工会',
    },
    { key: 'status', header: '在职/退休', required: false, help: '在职 或 退休，默认在职' },
    { key: 'phone', header: '手机', required: false, help: '11 位手机号' },
    ...platforms.map((p) => ({
      key: `account:${p.name}`,
      header: accountHeader(p),
      required: false,
      help: `${p.label}的用户账号（userid）；有角色的人至少填一个聊天账号`,
    })),
  ];
}

export const PERIOD_COLUMNS: Column[] = [
  { key: 'programmeCode', header: '方案编码', required: true, help: '互助方案的编码，如 yunnan' },
  { key: 'programmeName', header: '方案名称', required: true, help: '如 云南省职工医疗互助' },
  { key: 'federation', header: '总工会编码', required: true, help: '组织文件中总工会的单位编码' },
  { key: 'number', header: '期次', required: true, help: '期次序号，如 14' },
  {
    key: 'policy',
    header: '政策',
    required: true,
    help: '政策名（prisma/policies 中的文件名，如 yunnan-14），或与本文件同目录的政策 JSON 文件',
  },
  { key: 'current', header: '当前期次', required: false, help: '是 / 否，默认是' },
  {
    key: 'eventKey',
    header: '事项编码',
    required: false,
    help: '时间表：事项的编码，如 roster_close；填写时间表则替换政策中的时间表',
  },
  { key: 'eventLabel', header: '事项', required: false, help: '时间表：通知中的说法' },
  { key: 'eventDate', header: '日期', required: false, help: '时间表：YYYY-MM-DD' },
  { key: 'eventAnnounce', header: '是否通知', required: false, help: '时间表：是 / 否，默认是' },
];

export function columnsOf(kind: ProgrammeKind, platforms: readonly PlatformColumn[]): Column[] {
  return kind === 'organisations'
    ? orgColumns(platforms)
    : kind === 'people'
      ? peopleColumns(platforms)
      : PERIOD_COLUMNS;
}

export const KINDS: ProgrammeKind[] = ['organisations', 'people', 'period'];

export type HeaderMatch =
  | { ok: true; kind: ProgrammeKind; index: Map<string, number> }
  | { ok: false; message: string };

function indexOf(header: string[], columns: Column[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const c of columns) {
    const i = header.findIndex((h) => h === c.header || (c.aliases ?? []).includes(h));
    if (i >= 0) index.set(c.key, i);
  }
  return index;
}

/** how well a header fits each set-up kind: the columns it has, and whether every required one is there */
export function kindScores(
  header: string[],
  platforms: readonly PlatformColumn[],
): { kind: ProgrammeKind; hits: number; complete: boolean }[] {
  return KINDS.map((kind) => {
    const columns = columnsOf(kind, platforms);
    const index = indexOf(header, columns);
    return { kind, hits: index.size, complete: columns.every((c) => !c.required || index.has(c.key)) };
  });
}

/**
 * Which kind of file this is. The kind whose required columns are all there wins; a template's sheet name (组织,
 * 人员, 期次) that disagrees, or a kind asked for that the file is not, is refused by name.
 */
export function matchHeader(
  header: string[],
  sheetName: string | null,
  platforms: readonly PlatformColumn[],
  expected?: ProgrammeKind,
): HeaderMatch {
  const scored = KINDS.map((kind) => {
    const columns = columnsOf(kind, platforms);
    const index = indexOf(header, columns);
    const missing = columns.filter((c) => c.required && !index.has(c.key)).map((c) => c.header);
    return { kind, columns, index, missing, hits: index.size };
  });
  const full = scored.filter((s) => s.missing.length === 0);
  const bySheet = KINDS.find((k) => sheetName?.startsWith(KIND_LABEL[k]));
  const best = must([...scored].sort((a, b) => b.hits - a.hits)[0], 'every kind is scored');
  const detected = full[0]?.kind ?? bySheet ?? best.kind;
  if (expected && detected !== expected)
    return {
      ok: false,
      message: `这是${KIND_LABEL[detected]}文件，不是${KIND_LABEL[expected]}文件：请用 huzhu template ${expected} 生成的模板`,
    };
  if (bySheet && bySheet !== detected)
    return {
      ok: false,
      message: `工作表名为“${sheetName}”，表头却是${KIND_LABEL[detected]}文件的：请用对应的模板`,
    };
  const s = must(
    scored.find((x) => x.kind === detected),
    'every kind was scored',
  );
  if (s.missing.length) {
    const known = new Set(s.columns.flatMap((c) => [c.header, ...(c.aliases ?? [])]));
    const unknown = header.filter((h) => h && !known.has(h));
    return {
      ok: false,
      message: `${KIND_LABEL[detected]}文件缺少必需的列：${s.missing.join('、')}${
        unknown.length ? `；未识别的列：${unknown.join('、')}（列名请与模板一致）` : ''
      }`,
    };
  }
  return { ok: true, kind: detected, index: s.index };
}
