/**
 * 会员总数 for the units of a progress notice that prints only rounded ratios (seed 000: "44%", "0.6%",
 * "省本级100%"). Each unit gets the member total that reproduces its printed ratio AND the notice's order: units
 * printed with the same rounded ratio are spread inside that percent, in the notice's order, so sorting by the
 * computed ratio lists them as the notice does. 100 % units stay at exactly 100 % (the notice lists them by
 * participants, which is the ranking's tie-break). A printed note (省本级100%) ranks where the notice put it:
 * with the ratio of the unit printed before it. A unit with no ratio has no member total.
 */
export interface NoticeRow {
  participants: number;
  ratio: string | null;
}

const PERCENT = /^([\d.]+)%$/;

export function noticeMemberTotals(rows: NoticeRow[]): (number | null)[] {
  // the percent each row ranks at: its own, or for a note the one printed before it
  const pct: (number | null)[] = [];
  rows.forEach((r, i) => {
    const m = PERCENT.exec(r.ratio ?? '');
    pct.push(m ? Number(m[1]) : r.ratio ? (pct[i - 1] ?? null) : null);
  });
  return rows.map((r, i) => {
    const p = pct[i];
    if (p === null || p === undefined || p <= 0 || r.participants === 0) return null;
    if (p >= 100) return r.participants;
    const group = pct.map((x, j) => (x === p ? j : -1)).filter((j) => j >= 0);
    const k = group.length;
    const at = group.indexOf(i);
    // the printed precision: "0.6%" has one decimal, "44%" none; stay inside its rounding interval
    const half = (PERCENT.exec(rows[i]?.ratio ?? '')?.[1] ?? String(p)).includes('.') ? 0.04 : 0.4;
    const target = k === 1 ? p : p + half - ((at + 0.5) * 2 * half) / k;
    return Math.round((r.participants * 100) / target);
  });
}
