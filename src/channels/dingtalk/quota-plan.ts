/**
 * Pure arithmetic of DingTalk's monthly OpenAPI quota (DINGTALK.md §0.4: a free-tier organisation has 5 000 calls
 * a month across all its apps; token calls are exempt): what a month of the configured schedules costs, and which
 * class of message gives way as the budget runs low. No I/O, no clock: the caller passes the month's facts.
 */
import type { QuotaClass } from './settings.js';

/** batchSend takes at most 20 userIds a call (HD:chatbots-send-one-on-one-chat-messages-in-batches) */
export const BATCH_USERS_MAX = 20;

export interface QuotaSchedule {
  /** days of the month the daily ranking push runs */
  pushDays: number;
  /** federation groups that get the full tables */
  groups: number;
  /** messages of one group push (the tables split to fit msgParam's 15 000 bytes) */
  groupMessagesPerPush: number;
  /** charts in one group push (each is an upload and a send) */
  chartsPerPush: number;
  /** reps who asked for their personal line: one call each (the content differs per rep) */
  repsWithLines: number;
  /** reps who get their category's chart: one upload per category, then batches of 20 per category (bounded
   * above by categories + reps/20) */
  repsWithCharts: number;
  /** categories of the ranking (one chart each) */
  categories: number;
  /** announcements to the groups this month (deadline reminders, ad-hoc) */
  announcements: number;
  /** approval cards expected this month: createAndDeliver, the final-state update, the word to the worker */
  approvals: number;
  /** replies that must go through the API (sessionWebhook expired, card clicks) */
  apiReplies: number;
}

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
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y!, m!, 0)).getUTCDate();
}

/** days left in the month of an Asia/Shanghai date 'YYYY-MM-DD', today included */
export function daysLeftInMonth(date: string): number {
  return daysInMonth(date.slice(0, 7)) - Number(date.slice(8, 10)) + 1;
}
