/**
 * The progress table of seed 000 (医疗互助工作进度表): units grouped by category, sorted by the ratio of
 * participants to the unit's member total, highest first; category and grand totals; the headline against the
 * programme target. Special cells (a printed note such as `省本级100%`, no member total) never break it.
 */
import { compareText, mulDivHalfUp, percentText } from './money.js';

export interface UnitInput<Id extends string | number = string | number> {
  id: Id;
  name: string;
  category: string;
  previousParticipants: number;
  participants: number;
  memberTotal: number | null;
  /** a printed cell shown instead of the ratio, e.g. '省本级100%' */
  note?: string;
}

export interface RankedRow<Id extends string | number = string | number> {
  id: Id;
  name: string;
  rank: number;
  participants: number;
  previousParticipants: number;
  memberTotal: number | null;
  /** participants / member total, half-up to 1 bp; null when the member total is unknown or 0 */
  ratioBp: number | null;
  /** the note when there is one, else the ratio ('44.12%'), else '' */
  display: string;
  note?: string;
}

export interface CategoryTable<Id extends string | number = string | number> {
  category: string;
  rows: RankedRow<Id>[];
  /** memberTotal sums the known member totals */
  totals: { participants: number; previousParticipants: number; memberTotal: number };
}

export interface Ranking<Id extends string | number = string | number> {
  categories: CategoryTable<Id>[];
  totals: { participants: number; previousParticipants: number };
  headline: { participants: number; target: number | null; ratioBp: number | null; display: string };
}

/** seed 000's order of tables; other categories follow in first-seen order */
export const CATEGORY_ORDER = ['市、县工会', '产业、系统工会', '省直属基层工会'] as const;

export function ratioBp(part: number, whole: number | null): number | null {
  return whole && whole > 0 ? mulDivHalfUp(part, 10_000, whole) : null;
}

/**
 * Order within a category: ratio highest first, unknown ratios last; ties by more participants (this
 * reproduces seed 000, whose printed ratios are rounded: the five 100 % unions are listed by participants),
 * then by name, then by id.
 */
function compareRows(a: RankedRow, b: RankedRow): number {
  if (a.ratioBp !== b.ratioBp) {
    if (a.ratioBp === null) return 1;
    if (b.ratioBp === null) return -1;
    return b.ratioBp - a.ratioBp;
  }
  if (a.participants !== b.participants) return b.participants - a.participants;
  return compareText(a.name, b.name) || compareText(String(a.id), String(b.id));
}

export function rankUnits<Id extends string | number>(
  units: UnitInput<Id>[],
  o: { target: number | null },
): Ranking<Id> {
  const groups = new Map<string, RankedRow<Id>[]>();
  for (const c of CATEGORY_ORDER) groups.set(c, []);
  for (const u of units) {
    const r = ratioBp(u.participants, u.memberTotal);
    const row: RankedRow<Id> = {
      id: u.id,
      name: u.name,
      rank: 0,
      participants: u.participants,
      previousParticipants: u.previousParticipants,
      memberTotal: u.memberTotal,
      ratioBp: r,
      display: u.note ?? (r === null ? '' : percentText(r)),
      ...(u.note === undefined ? {} : { note: u.note }),
    };
    const list = groups.get(u.category);
    if (list) list.push(row);
    else groups.set(u.category, [row]);
  }
  const categories: CategoryTable<Id>[] = [];
  let participants = 0;
  let previousParticipants = 0;
  for (const [category, rows] of groups) {
    if (!rows.length) continue;
    rows.sort(compareRows);
    rows.forEach((r, i) => {
      r.rank = i + 1;
    });
    const totals = { participants: 0, previousParticipants: 0, memberTotal: 0 };
    for (const r of rows) {
      totals.participants += r.participants;
      totals.previousParticipants += r.previousParticipants;
      totals.memberTotal += r.memberTotal ?? 0;
    }
    participants += totals.participants;
    previousParticipants += totals.previousParticipants;
    categories.push({ category, rows, totals });
  }
  const headRatio = ratioBp(participants, o.target);
  return {
    categories,
    totals: { participants, previousParticipants },
    headline: {
      participants,
      target: o.target,
      ratioBp: headRatio,
      display: headRatio === null ? '' : percentText(headRatio),
    },
  };
}

export interface PreviousPeriodCheck {
  below: boolean;
  byCount: boolean;
  byRatio: boolean;
}

/**
 * Seed 003: a unit's participation "不能低于第十一期的参与人数及百分比" — neither the count nor the percentage
 * may fall below the previous period. The percentage check runs only when both ratios are known.
 */
export function belowPreviousPeriod(row: {
  participants: number;
  previousParticipants: number;
  ratioBp?: number | null;
  previousRatioBp?: number | null;
}): PreviousPeriodCheck {
  const byCount = row.participants < row.previousParticipants;
  const byRatio = row.ratioBp != null && row.previousRatioBp != null && row.ratioBp < row.previousRatioBp;
  return { below: byCount || byRatio, byCount, byRatio };
}
