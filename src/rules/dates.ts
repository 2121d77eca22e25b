/**
 * Calendar dates as the notices print them ('YYYY-MM-DD', Asia/Shanghai) and the instant → date conversion.
 * Asia/Shanghai has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for every date
 * this product handles and needs no time-zone database.
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Is `s` a real calendar date written YYYY-MM-DD (2017-02-29 is not)? */
export function isLocalDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function dayNumber(date: string): number {
  if (!isLocalDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/** The Asia/Shanghai calendar date of an instant. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Asia/Shanghai wall-clock time of an instant, 'HH:MM'. */
export function shanghaiTime(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(11, 16);
}

/** 'YYYY-MM-DD HH:MM' in Asia/Shanghai: when a person sees who decided and when. */
export function shanghaiStamp(instant: Date): string {
  return `${shanghaiDate(instant)} ${shanghaiTime(instant)}`;
}

/** The instant at which a Shanghai date and 'HH:MM' time begin. */
export function shanghaiInstant(date: string, time = '00:00'): Date {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) throw new RangeError(`not an HH:MM time: ${time}`);
  return new Date(dayNumber(date) * DAY_MS + Date.parse(`1970-01-01T${time}:00Z`) - SHANGHAI_OFFSET_MS);
}

export function addDays(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`: positive when `to` is later. */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}
