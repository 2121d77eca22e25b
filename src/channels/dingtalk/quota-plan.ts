/**
 * Pure arithmetic of DingTalk's monthly OpenAPI quota (DINGTALK.md §0.4: a free-tier organisation has 5 000 calls
 * a month across all its apps; token calls are exempt): what a month of the configured schedules costs, and which
 * class of message gives way as the budget runs low. No I/O, no clock: the caller passes the month's facts.
 */
import type { MonthlySendPlan } from '../channel.js';
import type { QuotaClass } from './settings.js';

/** batchSend takes at most 20 userIds a call (HD:chatbots-send-one-on-one-chat-messages-in-batches) */
export const BATCH_USERS_MAX = 20;

/** the month's schedules in neutral counts (src/channels/channel.ts) */
export type QuotaSchedule = MonthlySendPlan;

export interface QuotaProjection {
  pushPerDay: number;
  push: number;
  announcements: number;
  approvals: number;
  replies: number;
  /** calls the month's schedules need */
  total: number;
}

/** Calls a month of the schedules costs (token calls exempt, so not counted). */
export function projectMonth(s: QuotaSchedule): QuotaProjection {
  const groupPush = s.groups * (s.groupMessagesPerPush + s.chartsPerPush) + s.chartsPerPush; // + one upload per chart
  const repCharts =
    s.repsWithCharts > 0 ? s.categories + s.categories + Math.floor(s.repsWithCharts / BATCH_USERS_MAX) : 0;
  const pushPerDay = groupPush + s.repsWithLines + repCharts;
  const push = pushPerDay * s.pushDays;
  const announcements = s.announcements * s.groups;
  const approvals = s.approvals * 3;
  const total = push + announcements + approvals + s.apiReplies;
  return { pushPerDay, push, announcements, approvals, replies: s.apiReplies, total };
}

/** used so far plus what the rest of the month's schedules need, pro rata by days left */
export function projectedForMonth(
  used: number,
  monthly: QuotaProjection,
  daysInMonth: number,
  daysLeft: number,
): number {
  return used + Math.ceil((monthly.total * daysLeft) / daysInMonth);
}

/**
 * Whether a message of `cls` is held back with `remaining` calls left: below `reserve`, the classes of `order`
 * give way one after the other (the first as soon as the reserve is touched, the last only at zero).
 */
export function givesWay(cls: QuotaClass, remaining: number, reserve: number, order: readonly QuotaClass[]): boolean {
  if (remaining <= 0) return true;
  const i = order.indexOf(cls);
  if (i < 0) return false;
  return remaining <= (reserve * (order.length - i)) / order.length;
}

/** days of a 'YYYY-MM' month */
export function daysInMonth(month: string): number {
  const [y = Number.NaN, m = Number.NaN] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** days left in the month of an Asia/Shanghai date 'YYYY-MM-DD', today included */
export function daysLeftInMonth(date: string): number {
  return daysInMonth(date.slice(0, 7)) - Number(date.slice(8, 10)) + 1;
}
