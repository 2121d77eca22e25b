import { addDays, shanghaiDate, shanghaiInstant } from '../rules/index.js';
import type { Schedule } from './types.js';

/** BullMQ's cron pattern of a daily Asia/Shanghai time (the tz is given alongside). */
export function cronOf(at: string): string {
  const [h, m] = at.split(':').map(Number);
  return `${m} ${h} * * *`;
}

/** The next instant a schedule fires after `now` (daily: in Asia/Shanghai wall-clock time). */
export function nextRun(s: Schedule, now: Date): Date {
  if (s.kind === 'every') return new Date(now.getTime() + s.ms);
  const today = shanghaiDate(now);
  const at = shanghaiInstant(today, s.at);
  return at.getTime() > now.getTime() ? at : shanghaiInstant(addDays(today, 1), s.at);
}
