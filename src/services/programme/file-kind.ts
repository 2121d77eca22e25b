/**
 * What kind of office file a table is, from its content: the header row (found below any title rows, table.ts)
 * against each kind's columns — the set-up files (组织、人员、期次), a roster (名册), a remittance list (缴费清单) and a
 * group application (团体申请表). A WeCom file message may come without a name, or with a generic one, so the name
 * and the sheet's name only break a tie between kinds the header fits equally well.
 */
import { APPLICATION_COLUMNS, isApplicationHeader } from '../application-form.js';
import { mapHeader, RosterFormatError } from '../roster/read.js';
import { KIND_LABEL, kindScores, matchHeader, type PlatformColumn, type ProgrammeKind } from './columns.js';
import { REMITTANCE_COLUMNS } from './fees.js';
import type { Table } from './table.js';

export type FileKind = ProgrammeKind | 'roster' | 'remittance' | 'application';

export const FILE_KIND_LABEL: Record<FileKind, string> = {
  ...KIND_LABEL,
  roster: '名册',
  remittance: '缴费清单',
  application: '团体申请表',
};

/** what a file or sheet name says of its kind, when it says anything */
const NAME_HINTS: [FileKind, RegExp][] = [
  ['application', /申请表/],
  ['remittance', /缴费|交费|汇款|清单/],
  ['roster', /名册/],
  ['organisations', /组织|单位表/],
  ['people', /人员|角色/],
  ['period', /期次/],
];

/** when even the names do not tell: the order kinds were recognised in before */
const ORDER: FileKind[] = ['organisations', 'people', 'period', 'roster', 'remittance', 'application'];

interface Candidate {
  kind: FileKind;
  /** the kind's columns the header has */
  hits: number;
  /** every column the kind needs is there */
  complete: boolean;
}

const has = (header: readonly string[], names: readonly string[]) => names.some((n) => header.includes(n));

/** the roster's columns as its reader finds them (services/roster/read.ts); hits when some are missing */
function rosterCandidate(header: string[], platforms: readonly PlatformColumn[]): Candidate & { problem?: string } {
  try {
    return { kind: 'roster', hits: mapHeader(header, platforms).size, complete: true };
  } catch (e) {
    if (!(e instanceof RosterFormatError)) throw e;
    const found = [
      /^姓名$/,
      /^(公民)?身份证(号码?|号)?$/,
      /^(在职\/退休|人员类别|人员状态)$/,
      /^(交费|缴费)金额/,
    ].filter((re) => header.some((h) => re.test(h))).length;
    return { kind: 'roster', hits: found, complete: false, problem: e.message };
  }
}

export type Recognised =
  | { ok: true; kind: FileKind }
  /** no kind fits: why (the columns missing of the kind it is nearest to) */
  | { ok: false; kind?: FileKind; problem: string };

/** The kind of a table, by its header; `name` (the file's) and the sheet's name break ties. */
export function recogniseTable(table: Table, name: string, platforms: readonly PlatformColumn[]): Recognised {
  const h = table.header;
  const roster = rosterCandidate(h, platforms);
  const r = REMITTANCE_COLUMNS;
  const candidates: Candidate[] = [
    ...kindScores(h, platforms),
    roster,
    {
      kind: 'remittance',
      hits: [r.unit, r.name, r.tail, r.amount, r.date].filter((c) => has(h, c)).length,
      complete: has(h, r.unit) && has(h, r.amount) && has(h, r.date) && (has(h, r.name) || has(h, r.tail)),
    },
    {
      kind: 'application',
      hits: [APPLICATION_COLUMNS.unit, APPLICATION_COLUMNS.persons, APPLICATION_COLUMNS.amount].filter((c) => has(h, c))
        .length,
      complete: isApplicationHeader(h),
    },
  ];
  const hinted = (kind: FileKind, text: string | null) =>
    text !== null && NAME_HINTS.some(([k, re]) => k === kind && re.test(text));
  const rank = (c: Candidate) => [
    c.complete ? 1 : 0,
    c.hits,
    hinted(c.kind, name) ? 1 : 0,
    hinted(c.kind, table.sheetName) ? 1 : 0,
    -ORDER.indexOf(c.kind),
  ];
  const better = (a: Candidate, b: Candidate) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
    return 0;
  };
  const best = [...candidates].sort(better)[0];
  if (best?.complete) return { ok: true, kind: best.kind };
  // nearest kind, when the header is clearly one with columns missing: its own reader names them
  if (best && best.hits >= 2) {
    if (best.kind === 'roster') return { ok: false, kind: 'roster', problem: roster.problem ?? '' };
    if (best.kind === 'remittance' || best.kind === 'application') return { ok: true, kind: best.kind };
  }
  const m = matchHeader(h, table.sheetName, platforms);
  return {
    ok: false,
    problem: `无法识别文件种类：${m.ok ? `表头与${FILE_KIND_LABEL[m.kind]}文件不符` : m.message}`,
  };
}
