/** What the bot says about dates: the countdown to each timeline event, and which events to announce today. */
import { daysBetween, shanghaiDate } from './dates.js';
import { compareText } from './money.js';
import type { Policy } from './policy.js';

/**
 * An event's label as people read it: `{date}` in the policy's label is the event's own date (3月31日), so a
 * remark such as （已延长至{date}） always agrees with the date shown next to it, whatever the period's dates.
 */
export function eventLabel(label: string, date: string): string {
  const [, m, d] = date.split('-').map(Number);
  return label.replaceAll('{date}', `${m}月${d}日`);
}

export interface Countdown {
  key: string;
  label: string;
  date: string;
  /** days from today (Asia/Shanghai) to the event; 0 = today, negative = past */
  daysLeft: number;
}

export function deadlineCountdown(policy: Policy, now: Date): Countdown[] {
  const today = shanghaiDate(now);
  return policy.timeline
    .map((e) => ({
      key: e.key,
      label: eventLabel(e.label, e.date),
      date: e.date,
      daysLeft: daysBetween(today, e.date),
    }))
    .sort((a, b) => compareText(a.date, b.date));
}

export interface DueAnnouncement {
  key: string;
  label: string;
  date: string;
  /** today is T-daysBefore */
  daysBefore: number;
}

/** Events with announce: true for which today is T-n, n in policy.broadcasts.announceDaysBefore; by date. */
export function dueAnnouncements(policy: Policy, today: string): DueAnnouncement[] {
  const offsets = new Set(policy.broadcasts.announceDaysBefore);
  return policy.timeline
    .filter((e) => e.announce)
    .map((e) => ({
      key: e.key,
      label: eventLabel(e.label, e.date),
      date: e.date,
      daysBefore: daysBetween(today, e.date),
    }))
    .filter((e) => offsets.has(e.daysBefore))
    .sort((a, b) => compareText(a.date, b.date));
}
