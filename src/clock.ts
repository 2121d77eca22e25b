/**
 * The app's one clock. Tests freeze it; the emulator moves it to a date of the period's timeline so the cut-offs
 * can be seen. Everything that asks the time (bot, schedules) reads it through `now`.
 */
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
      const shanghaiToday = new Date(real.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
      offsetMs = Date.parse(`${date}T00:00:00Z`) - Date.parse(`${shanghaiToday}T00:00:00Z`);
    },
  };
}
