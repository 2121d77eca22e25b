/** Fen → '1234.5' style 元 text for messages: no float arithmetic, trailing zeros of 分 dropped. */
export function yuanText(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const a = Math.abs(fen);
  const whole = Math.floor(a / 100);
  const cents = a % 100;
  if (cents === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${String(cents).padStart(2, '0').replace(/0$/, '')}`;
}

/** Basis points → '85.93%' ('100%', '0.6%'): the figure computed, trailing zeros dropped. */
export function percentText(bp: number): string {
  const whole = Math.floor(bp / 100);
  const frac = bp % 100;
  if (frac === 0) return `${whole}%`;
  return `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}%`;
}

/** a × b / c rounded half-up, in integers (all non-negative; a × b stays far below 2^53 for our amounts). */
export function mulDivHalfUp(a: number, b: number, c: number): number {
  return Math.floor((a * b * 2 + c) / (2 * c));
}

/** Code-point order of two strings (YYYY-MM-DD dates sort as dates), as a sort comparator. */
export function compareText(a: string, b: string): number {
  return Number(a > b) - Number(a < b);
}
