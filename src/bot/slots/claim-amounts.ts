/**
 * The amounts of a hospital stay told in one sentence (住院花了3万，医保报了1万8), each named by the words just
 * before it: the total (总共, 花了, 住院费), what basic insurance paid (医保, 统筹, 报了), what the person paid
 * (自付, 自费, 还剩). Used by the estimate (能报多少) and carried into the claim form when the person then applies.
 * A follow-up with one amount (那两万呢, 那医保报了2万呢) changes only that amount of the earlier estimate.
 * Pure, no I/O; money in integer fen.
 */
import { fold } from '../normalise.js';
import { scanMoney } from './money.js';

export type AmountKind = 'total' | 'basic' | 'selfPaid';

export interface StayAmounts {
  totalFen?: number;
  basicInsuranceFen?: number;
  selfPaidFen?: number;
  /** the self-paid amount was not told but worked out as total − basic insurance */
  selfPaidDerived?: boolean;
  /** the kind of the first amount told: what a bare follow-up amount (那两万呢) replaces */
  lead?: AmountKind;
}

// the last of these before an amount names it; 剩 (医保报完还剩8000) is the person's part, so it is looked for
// after 报完 could claim it for basic insurance
const KIND_WORDS: [AmountKind, RegExp][] = [
  ['selfPaid', /自费|自付|自己(?:出|付|掏|花|负担)|个人(?:出|付|负担|承担|部分)|掏了|剩下?|余下/g],
  ['basic', /医保|统筹|报销了|报了|报掉|报完|报销/g],
  ['total', /总共|一共|总计|合计|总费用|总额|花了|花费|花掉|用了|住院费|医药费|医疗费|费用|共计/g],
];

function kindBefore(window: string): AmountKind | undefined {
  let best: { kind: AmountKind; end: number } | undefined;
  for (const [kind, re] of KIND_WORDS) {
    re.lastIndex = 0;
    for (let m = re.exec(window); m !== null; m = re.exec(window)) {
      const end = m.index + m[0].length;
      if (!best || end > best.end) best = { kind, end };
    }
  }
  return best?.kind;
}

const FIELD = { total: 'totalFen', basic: 'basicInsuranceFen', selfPaid: 'selfPaidFen' } as const;

/** The amounts in one message, each with its kind when the words before it name one. */
export function readAmounts(text: string): { kind?: AmountKind; fen: number }[] {
  const s = fold(text);
  const out: { kind?: AmountKind; fen: number }[] = [];
  let from = 0;
  for (const m of scanMoney(s)) {
    if (m.negative) continue;
    const kind = kindBefore(s.slice(from, m.index));
    out.push(kind ? { kind, fen: m.fen } : { fen: m.fen });
    from = m.index + m.length;
  }
  return out;
}

/** Keeps the amounts consistent: basic ≤ total, self-paid ≤ total − basic, and a derived self-paid up to date. */
function settle(a: StayAmounts): StayAmounts {
  const r: StayAmounts = { ...a };
  if (r.totalFen !== undefined && r.basicInsuranceFen !== undefined && r.basicInsuranceFen > r.totalFen)
    delete r.basicInsuranceFen;
  if (r.selfPaidDerived) {
    delete r.selfPaidFen;
    delete r.selfPaidDerived;
  }
  if (r.selfPaidFen !== undefined && r.totalFen !== undefined) {
    if (r.selfPaidFen > r.totalFen - (r.basicInsuranceFen ?? 0)) {
      // the person's part told last wins; the total and basic that contradict it are asked again in the form
      delete r.totalFen;
      delete r.basicInsuranceFen;
    }
  }
  if (r.selfPaidFen === undefined && r.totalFen !== undefined && r.basicInsuranceFen !== undefined) {
    r.selfPaidFen = r.totalFen - r.basicInsuranceFen;
    r.selfPaidDerived = true;
  }
  return r;
}

/**
 * The stay's amounts after this message: a message with two or more amounts, or one naming the total, tells a new
 * stay; a single other amount changes the earlier estimate's (`before`). Undefined when the message has none.
 */
export function stayAmounts(text: string, before?: StayAmounts): StayAmounts | undefined {
  const read = readAmounts(text);
  if (read.length === 0) return undefined;
  const fresh = !before || read.length > 1 || read[0]?.kind === 'total';
  if (!fresh) {
    const [one] = read as [{ kind?: AmountKind; fen: number }];
    const kind = one.kind ?? before.lead ?? 'selfPaid';
    const next: StayAmounts = { ...before, [FIELD[kind]]: one.fen };
    if (kind === 'selfPaid') delete next.selfPaidDerived;
    return settle(next);
  }
  const a: StayAmounts = {};
  const unnamed: number[] = [];
  for (const r of read) {
    if (r.kind && a[FIELD[r.kind]] === undefined) a[FIELD[r.kind]] = r.fen;
    else if (!r.kind) unnamed.push(r.fen);
    a.lead ??= r.kind;
  }
  // amounts named by nothing: two or more read as total then basic (3万，1万8); a lone one is the person's part,
  // as the estimate says it counts it ("按个人自付 … 估算")
  if (read.length > 1) {
    for (const fen of unnamed) {
      if (a.totalFen === undefined) a.totalFen = fen;
      else if (a.basicInsuranceFen === undefined) a.basicInsuranceFen = fen;
    }
  } else if (unnamed.length === 1 && a.selfPaidFen === undefined) a.selfPaidFen = unnamed[0];
  a.lead ??= read.length > 1 ? 'total' : 'selfPaid';
  return settle(a);
}

/** The amount the estimate counts: the person's part when known, else the one amount told. */
export function countedFen(a: StayAmounts): number | undefined {
  return a.selfPaidFen ?? a.totalFen;
}
