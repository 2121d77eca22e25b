/**
 * The office's files through chat (issue #15, item 2): what kind a received file is (from its content: the header
 * row, below any title; the name only breaks ties, programme/file-kind.ts), its
 * check (nothing written), its application on confirmation (all or nothing), and the XLSX exports as bytes.
 * The set-up files (组织、人员、期次) go through services/programme, the remittance list through its fee import,
 * a roster through services/roster; this module only chooses among them and carries bytes, so the chat path
 * checks exactly what the CLI checks.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../db/client.js';
import { exportProgress, exportRoster } from './exports.js';
import { rosterEntryRefusal } from './participation.js';
import type { PeriodWithPolicy } from './periods.js';
import { importFeePayments } from './programme/fees.js';
import { recogniseTable } from './programme/file-kind.js';
import {
  applyProgrammeFile,
  checkProgrammeFile,
  type Issue,
  issueText,
  KIND_LABEL,
  type PlatformColumn,
  type ProgrammeKind,
} from './programme/index.js';
import { readTable, TableFormatError, tableFormat } from './programme/table.js';
import { readXlsxHeader } from './roster/header.js';
import { importRoster } from './roster/import.js';
import { RosterFormatError, readRoster } from './roster/read.js';
import { validateRow } from './roster/validate.js';

export type ChatFileKind = ProgrammeKind | 'roster' | 'remittance';

export const CHAT_FILE_LABEL: Record<ChatFileKind, string> = { ...KIND_LABEL, roster: '名册', remittance: '缴费清单' };

/** what a file would change; nothing written yet */
export interface ChatFileSummary {
  kind: ChatFileKind;
  /** new / changed / unchanged rows; for a roster: the rows to import */
  created: number;
  changed: number;
  unchanged: number;
  /** a few lines for the person who confirms */
  details: string[];
  /** a roster's unit (from the file name) */
  unitCode?: string;
}

export type ChatFileCheck =
  | { ok: true; summary: ChatFileSummary }
  | { ok: false; kind?: ChatFileKind; problems: string[] }
  /** a group application (团体申请表): not an import, it goes to 对账 (bot/flows/reports.ts) */
  | { ok: false; application: true; problems: [] }
  /** a roster whose unit the file name does not name */
  | { ok: false; kind: 'roster'; needUnit: true; problems: [] };

export interface ChatFileInput {
  db: Db;
  bytes: Buffer;
  /** the file's name (.xlsx or .csv) */
  name: string;
  period: PeriodWithPolicy;
  platforms: readonly PlatformColumn[];
  hashKey: string;
}

/** The kind by the content (programme/file-kind.ts); the file's name only breaks a tie. */
async function kindOf(
  i: ChatFileInput,
): Promise<{ kind: ChatFileKind | 'application' } | { kind?: ChatFileKind; problem: string }> {
  let table: Awaited<ReturnType<typeof readTable>>;
  try {
    // an XLSX's top rows only, streamed: a 100 000-row roster is not loaded whole to learn its kind
    table =
      tableFormat(i.bytes, i.name) === 'xlsx'
        ? await readXlsxHeader(i.bytes)
        : await readTable({ buffer: i.bytes, fileName: i.name });
  } catch (e) {
    if (e instanceof TableFormatError) return { problem: e.message };
    throw e;
  }
  const r = recogniseTable(table, i.name, i.platforms);
  if (r.ok) return { kind: r.kind };
  return r.kind && r.kind !== 'application' ? { kind: r.kind, problem: r.problem } : { problem: r.problem };
}

/** A roster's unit: the longest organisation code (or else name) the file name contains. */
async function unitInName(db: Db, name: string): Promise<string | null> {
  const stem = path.basename(name, path.extname(name));
  const orgs = await db.org.findMany({ select: { code: true, name: true } });
  const byCode = orgs.filter((o) => stem.includes(o.code)).sort((a, b) => b.code.length - a.code.length)[0];
  if (byCode) return byCode.code;
  const byName = orgs.filter((o) => stem.includes(o.name)).sort((a, b) => b.name.length - a.name.length)[0];
  return byName?.code ?? null;
}

/**
 * The roster reader streams from disk: the bytes go to a private temporary file for the call, named with the
 * extension of what the bytes are (a nameless chat file has none of its own).
 */
async function withTempFile<T>(bytes: Buffer, name: string, run: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'huzhu-file-'));
  const format = bytes.length ? tableFormat(bytes, name) : null;
  const ext = format ? `.${format}` : path.extname(name).toLowerCase();
  const file = path.join(dir, `${randomBytes(6).toString('hex')}${ext}`);
  try {
    await fs.writeFile(file, bytes, { mode: 0o600 });
    return await run(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function checkRoster(i: ChatFileInput): Promise<ChatFileCheck> {
  const unitCode = await unitInName(i.db, i.name);
  if (!unitCode) return { ok: false, kind: 'roster', needUnit: true, problems: [] };
  const refusal = await rosterEntryRefusal(i.db, i.period, unitCode);
  if (refusal) return { ok: false, kind: 'roster', problems: [refusal] };
  return withTempFile(i.bytes, i.name, async (file) => {
    const problems: string[] = [];
    const seen = new Map<string, number>();
    let rows = 0;
    let participants = 0;
    try {
      for await (const raw of readRoster(file, i.platforms)) {
        const { row, errors } = validateRow(raw, i.period.policy, i.hashKey, i.platforms);
        for (const message of errors) problems.push(`第 ${raw.line} 行：${message}`);
        if (!row) continue;
        const first = seen.get(row.idHash);
        if (first !== undefined) problems.push(`第 ${row.line} 行：身份证号与第 ${first} 行重复`);
        else seen.set(row.idHash, row.line);
        rows++;
        if (row.feeFen !== null) participants++;
      }
    } catch (e) {
      if (e instanceof RosterFormatError) return { ok: false, kind: 'roster', problems: [e.message] };
      throw e;
    }
    if (problems.length) return { ok: false, kind: 'roster', problems };
    if (rows === 0) return { ok: false, kind: 'roster', problems: ['名册中没有人员行'] };
    return {
      ok: true,
      summary: {
        kind: 'roster',
        created: rows,
        changed: 0,
        unchanged: 0,
        details: [`单位 ${unitCode}：${rows} 人，其中参加 ${participants} 人、未参 ${rows - participants} 人`],
        unitCode,
      },
    };
  });
}

const problemsOf = (issues: Issue[]) => issues.map(issueText);

/** Reads and checks a file against the database; writes nothing. */
export async function checkChatFile(i: ChatFileInput): Promise<ChatFileCheck> {
  const k = await kindOf(i);
  if ('problem' in k) return { ok: false, ...(k.kind ? { kind: k.kind } : {}), problems: [k.problem] };
  if (k.kind === 'application') return { ok: false, application: true, problems: [] };
  if (k.kind === 'roster') return checkRoster(i);
  if (k.kind === 'remittance') {
    const r = await importFeePayments({
      db: i.db,
      source: { buffer: i.bytes, fileName: i.name },
      period: i.period,
      actor: 'check',
      dryRun: true,
    });
    if (!r.ok) return { ok: false, kind: 'remittance', problems: problemsOf(r.issues) };
    return {
      ok: true,
      summary: {
        kind: 'remittance',
        created: r.summary.paid,
        changed: 0,
        unchanged: r.summary.alreadyPaid,
        details: [`${r.summary.rows} 行，新记缴费 ${r.summary.paid} 笔，已记过 ${r.summary.alreadyPaid} 笔`],
      },
    };
  }
  const r = await checkProgrammeFile({
    db: i.db,
    source: { buffer: i.bytes, fileName: i.name },
    platforms: i.platforms,
    hashKey: i.hashKey,
    kind: k.kind,
  });
  if (!r.ok) return { ok: false, kind: k.kind, problems: problemsOf(r.issues) };
  const s = r.summary;
  return {
    ok: true,
    summary: { kind: s.kind, created: s.created, changed: s.changed, unchanged: s.unchanged, details: s.changes },
  };
}

/**
 * Checks the file again and writes it, all or nothing (the services' own transactions and audit lines). The kind
 * (and a roster's unit) confirmed on the card is the one applied: a file of another kind now is refused.
 */
export async function applyChatFile(
  i: ChatFileInput & { kind: ChatFileKind; unitCode?: string; actor: string },
): Promise<ChatFileCheck> {
  if (i.kind === 'roster') {
    if (!i.unitCode) return { ok: false, kind: 'roster', needUnit: true, problems: [] };
    const unitCode = i.unitCode;
    const r = await withTempFile(i.bytes, i.name, (file) =>
      importRoster({
        db: i.db,
        file,
        period: i.period,
        unitCode,
        hashKey: i.hashKey,
        actor: i.actor,
        platforms: i.platforms,
      }),
    );
    if (!r.ok)
      return {
        ok: false,
        kind: 'roster',
        problems: r.errors.map((e) => (e.line ? `第 ${e.line} 行：${e.message}` : e.message)),
      };
    const s = r.summary;
    return {
      ok: true,
      summary: {
        kind: 'roster',
        created: s.membersCreated + s.enrolmentsCreated,
        changed: s.membersUpdated + s.enrolmentsUpdated,
        unchanged: s.unchanged,
        details: [`单位 ${unitCode}：${s.rows} 人，参加 ${s.participants} 人，未参 ${s.notParticipating} 人`],
        unitCode,
      },
    };
  }
  if (i.kind === 'remittance') {
    const r = await importFeePayments({
      db: i.db,
      source: { buffer: i.bytes, fileName: i.name },
      period: i.period,
      actor: i.actor,
    });
    if (!r.ok) return { ok: false, kind: 'remittance', problems: problemsOf(r.issues) };
    return {
      ok: true,
      summary: {
        kind: 'remittance',
        created: r.summary.paid,
        changed: 0,
        unchanged: r.summary.alreadyPaid,
        details: [],
      },
    };
  }
  const r = await applyProgrammeFile({
    db: i.db,
    source: { buffer: i.bytes, fileName: i.name },
    platforms: i.platforms,
    hashKey: i.hashKey,
    kind: i.kind,
    actor: i.actor,
  });
  if (!r.ok) return { ok: false, kind: i.kind, problems: problemsOf(r.issues) };
  const s = r.summary;
  return {
    ok: true,
    summary: { kind: s.kind, created: s.created, changed: s.changed, unchanged: s.unchanged, details: s.changes },
  };
}

/** 医疗互助工作进度表 as XLSX bytes (the CLI's export, through a temporary file). */
export function progressWorkbook(db: Db, period: PeriodWithPolicy, today: string): Promise<Buffer> {
  return withTempFile(Buffer.alloc(0), 'progress.xlsx', async (file) => {
    await exportProgress(db, period, file, today);
    return fs.readFile(file);
  });
}

export type RosterExport =
  | { ok: true; bytes: Buffer; unitCode: string; unitName: string; rows: number }
  | { ok: false; reason: 'no_unit' | 'forbidden' };

/**
 * A unit's 参互人员名册 as XLSX bytes (ID numbers and phones masked), the unit named by code or full name. An admin
 * may export any unit; an officer the units of their office.
 */
export async function rosterWorkbook(
  db: Db,
  period: PeriodWithPolicy,
  unit: string,
  who: { admin: boolean; officeIds: number[] },
): Promise<RosterExport> {
  const org = await db.org.findFirst({
    where: { OR: [{ code: unit }, { name: unit }] },
    select: { id: true, code: true, name: true, officeId: true },
  });
  if (!org) return { ok: false, reason: 'no_unit' };
  const mine = who.officeIds.includes(org.id) || (org.officeId !== null && who.officeIds.includes(org.officeId));
  if (!who.admin && !mine) return { ok: false, reason: 'forbidden' };
  return withTempFile(Buffer.alloc(0), 'roster.xlsx', async (file) => {
    const rows = await exportRoster(db, period, org.code, file);
    return { ok: true as const, bytes: await fs.readFile(file), unitCode: org.code, unitName: org.name, rows };
  });
}
