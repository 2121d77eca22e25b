/**
 * The app's one clock. Tests freeze it; the emulator moves it to a date of the period's timeline so the cut-offs
 * can be seen. Everything that asks the time (bot, schedules) reads it through `now`.
 */
import { daysBetween, shanghaiDate } from './rules/index.js';

export interface Clock {
  now(): Date;
  /** from now on, today is `date` (YYYY-MM-DD, Asia/Shanghai) at the current time of day; null = real time */
  travelTo(date: string | null): void;
}

export function createClock(base: () => Date = () => new Date()): Clock {
  let offsetMs = 0;
  return {
    now: () => new Date(base().getTime() + offsetMs),
    travelTo(date) {
      if (date === null) {
        offsetMs = 0;
        return;
      }
      const real = base();
      offsetMs = daysBetween(shanghaiDate(real), date) * 86_400_000;
    },
  };
}
