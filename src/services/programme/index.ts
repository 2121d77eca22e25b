/**
 * Setting up a programme from the office's own files. One way for every caller (the CLI today, an admin's chat
 * file later): bytes or a path in → `checkProgrammeFile` → a checked summary (N new, M changed, K unchanged, what
 * changes), nothing written → `applyProgrammeFile` on confirmation: checked again and written all-or-nothing in
 * one transaction, every change to existing data audited. Applying the same file again changes nothing.
 */
import path from 'node:path';
import { providerOfDb } from '../../db/bulk.js';
import type { Db } from '../../db/client.js';
import { forgetPeople } from '../people.js';
import { forgetCurrentPeriod } from '../periods.js';
import { KIND_LABEL, matchHeader, type PlatformColumn, type ProgrammeKind } from './columns.js';
import { planOrganisations } from './organisations.js';
import { planPeople } from './people.js';
import { planPeriod } from './period.js';
import type { Issue, PlanResult, Summary, Tx } from './plan.js';
import { readTable, TableFormatError, type TableSource } from './table.js';

export { KIND_LABEL, type PlatformColumn, type ProgrammeKind } from './columns.js';
export { type Issue, issueText, type Summary } from './plan.js';
export type { TableSource } from './table.js';

export interface ProgrammeFileInput {
  db: Db;
  source: TableSource;
  platforms: readonly PlatformColumn[];
  hashKey: string;
  /** the kind the caller asked for; a file of another kind is refused */
  kind?: ProgrammeKind;
}

export type CheckResult = { ok: true; summary: Summary } | { ok: false; kind?: ProgrammeKind; issues: Issue[] };

async function plan(tx: Tx, i: ProgrammeFileInput): Promise<PlanResult> {
  let table: Awaited<ReturnType<typeof readTable>>;
  try {
    table = await readTable(i.source);
  } catch (e) {
    if (e instanceof TableFormatError) return { ok: false, issues: [{ line: 0, message: e.message }] };
    throw e;
  }
  const m = matchHeader(table.header, table.sheetName, i.platforms, i.kind);
  if (!m.ok) return { ok: false, ...(i.kind ? { kind: i.kind } : {}), issues: [{ line: 1, message: m.message }] };
  switch (m.kind) {
    case 'organisations':
      return planOrganisations(tx, table.rows, m.index, i.platforms);
    case 'people':
      return planPeople(tx, table.rows, m.index, {
        platforms: i.platforms,
        hashKey: i.hashKey,
        provider: providerOfDb(i.db),
      });
    case 'period':
      return planPeriod(tx, table.rows, m.index, { dir: 'file' in i.source ? path.dirname(i.source.file) : null });
  }
}

/** Reads and checks a file against the database; writes nothing. */
export async function checkProgrammeFile(i: ProgrammeFileInput): Promise<CheckResult> {
  const r = await plan(i.db as unknown as Tx, i);
  return r.ok ? { ok: true, summary: r.plan.summary } : r;
}

/** Checks the file again and writes it, all or nothing. */
export async function applyProgrammeFile(i: ProgrammeFileInput & { actor: string }): Promise<CheckResult> {
  const r = await i.db.$transaction(
    async (tx) => {
      const p = await plan(tx, i);
      if (p.ok && (p.plan.summary.created || p.plan.summary.changed))
        await p.plan.apply(tx, i.actor, providerOfDb(i.db));
      return p;
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
  if (!r.ok) return r;
  // the bot caches the current period and who is who
  forgetCurrentPeriod(i.db);
  forgetPeople(i.db);
  return { ok: true, summary: r.plan.summary };
}

export function summaryText(s: Summary): string {
  return `${KIND_LABEL[s.kind]}文件：新增 ${s.created}，变更 ${s.changed}，未变 ${s.unchanged}`;
}
