/**
 * What a roster import holds while it reads the file, shared by its two writers (Prisma chunks for SQLite, COPY for
 * PostgreSQL), and the file's own checks: each row's fields, then duplicates within the file. Between rows only the
 * keys that find duplicates are kept (ID hash and chat account → first row), the first errors and the counts.
 */
import type { Db } from '../../db/client.js';
import type { Provider } from '../../db/provider.js';
import type { PeriodWithPolicy } from '../periods.js';
import type { PlatformColumn } from '../programme/columns.js';
import type { RowErrorList } from './errors.js';
import { DEFAULT_LIMITS, type RawRow, type RosterLimits, readRoster } from './read.js';
import { type RosterRow, type RowError, validateRow } from './validate.js';

export interface ImportSummary {
  rows: number;
  membersCreated: number;
  membersUpdated: number;
  enrolmentsCreated: number;
  enrolmentsUpdated: number;
  unchanged: number;
  participants: number;
  notParticipating: number;
  identitiesBound: number;
}

/** `errors`: the first MAX_ERRORS_KEPT in row order; `total`: how many there are in all */
export type ImportResult = { ok: true; summary: ImportSummary } | { ok: false; errors: RowError[]; total: number };

export interface ImportOptions {
  db: Db;
  file: string;
  period: PeriodWithPolicy;
  unitCode: string;
  hashKey: string;
  actor: string;
  /** the platforms whose account columns the roster may carry (the platform folders' descriptors) */
  platforms: readonly PlatformColumn[];
  /** the file's size and row limits: DEFAULT_LIMITS unless an operator raised them (ROSTER_MAX_ROWS) */
  limits?: RosterLimits;
  /**
   * How rows reach PostgreSQL: 'copy' (the default there) or 'statements' (bulk statements through Prisma, the
   * SQLite path), kept so the two can be compared on the same database (test/services/roster/pg-copy.test.ts).
   */
  pgWriter?: 'copy' | 'statements';
  /**
   * Told when the COPY writer has read, checked and copied the whole file into its staging table, and when it has
   * merged and committed it: where a long import's time goes (bench/roster-million)
   */
  onPhase?: (phase: 'read' | 'written') => void;
}

export interface Unit {
  id: number;
  code: string;
  rankUnitId: number | null;
}

/** What one import holds between chunks. */
export interface State {
  o: ImportOptions;
  provider: Provider;
  unit: Unit;
  prev: { id: number; hasData: boolean } | null;
  errors: RowErrorList;
  summary: ImportSummary;
  stamp: Date;
}

export function emptySummary(): ImportSummary {
  return {
    rows: 0,
    membersCreated: 0,
    membersUpdated: 0,
    enrolmentsCreated: 0,
    enrolmentsUpdated: 0,
    unchanged: 0,
    participants: 0,
    notParticipating: 0,
    identitiesBound: 0,
  };
}

/**
 * The checks of the file's rows one by one, in file order: the row when it passes its own checks and is not a
 * duplicate ID number of an earlier row, else null; every error found on the way goes to `s.errors`. A row whose chat
 * account repeats an earlier row's is named and still returned (the database's checks of it still run). Synchronous,
 * so a reader loop calls it with no promise per row.
 */
export function rowChecker(s: State): (raw: RawRow) => RosterRow | null {
  const { o } = s;
  // the first row of each ID hash and chat account: duplicates within the file are found here, across chunks. A
  // hash is kept by its first 128 bits packed into 8 characters (16 bytes, not 64 one-byte digits; a slice would
  // keep the whole digest alive): what stays alive for the whole import is what the garbage collector lets the
  // heap grow in proportion to
  const byHash = new Map<string, number>();
  const dupKey = (h: string) => {
    let k = '';
    for (let i = 0; i < 32; i += 4) k += String.fromCharCode(Number.parseInt(h.slice(i, i + 4), 16));
    return k;
  };
  const byAccount = new Map<string, number>();
  const labelOf = new Map(o.platforms.map((p) => [p.name, p.label]));
  return (raw) => {
    const { row, errors: rowErrors } = validateRow(raw, o.period.policy, o.hashKey, o.platforms);
    for (const message of rowErrors) s.errors.add(raw.line, message);
    if (!row) return null;
    const key = dupKey(row.idHash);
    const first = byHash.get(key);
    if (first !== undefined) {
      s.errors.add(row.line, `身份证号与第 ${first} 行重复`);
      return null;
    }
    byHash.set(key, row.line);
    for (const { platform, userId: account } of row.accounts) {
      const k = `${platform}:${account}`;
      const seen = byAccount.get(k);
      if (seen !== undefined)
        s.errors.add(row.line, `${labelOf.get(platform) ?? platform}账号 ${account} 与第 ${seen} 行重复`);
      else byAccount.set(k, row.line);
    }
    return row;
  };
}

/** the rows of the import's file, read as a stream */
export const rawRows = (o: ImportOptions): AsyncGenerator<RawRow> =>
  readRoster(o.file, o.platforms, o.limits ?? DEFAULT_LIMITS);
