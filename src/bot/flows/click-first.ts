/**
 * Clicks first (issue #14): an officer waits on the answer to their click, nobody waits on the rest of what a
 * decision causes (the worker's notice, the other copies' redraws, the centre's cards). Those are Delivery rows
 * written in the decision's transaction (src/services/claim-outbox.ts); only their hand-over to the queue waits
 * here while other clicks of this process are still being decided, so a burst of clicks is answered before the
 * queue's sends take the same thread. A row is never lost by waiting: it is in the database, and the delivery
 * sweep sends whatever was not handed over (a process that died while holding it).
 */

/** a click storm never holds the rest back longer than this: the copies and notices follow within seconds */
export const CLICKS_FIRST_MAX_MS = 2_000;
/**
 * how long no click must have been in its decision before the held rows go: an officer's next click reaches its
 * decision a few ticks after the previous one is answered (their turns run one at a time), and must not find the
 * queue's sends released in between. Decisions committed together (db/sqlite-direct.ts) end together, so a burst
 * comes in waves with a gap between them; 100 ms spans a gap on a loaded machine (50 ms did not: the sends went out
 * mid-burst), and is nothing to the notice and the other copies that wait for it.
 */
export const CLICKS_QUIET_MS = 100;

let deciding = 0;
/** when a click last entered or left its decision (Date.now(): the tests' fake clock moves it) */
let lastBusy = 0;
let waiters: (() => void)[] = [];
let quietTimer: NodeJS.Timeout | null = null;

/** ms until the quiet moment is over; 0 when it is (no click in its decision, none for CLICKS_QUIET_MS) */
function quietIn(): number {
  if (deciding > 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, lastBusy + CLICKS_QUIET_MS - Date.now());
}

function releaseIfQuiet(): void {
  quietTimer = null;
  const left = quietIn();
  // a click in its decision re-arms the timer when it ends
  if (left === Number.POSITIVE_INFINITY) return;
  // a click came and went meanwhile: the moment starts again from its end
  if (left > 0) {
    quietTimer = setTimeout(releaseIfQuiet, left);
    return;
  }
  const w = waiters;
  waiters = [];
  for (const f of w) f();
}

/** Runs one click's decision and its answer's drawing; the rows held meanwhile wait for it. */
export async function decidingClick<T>(fn: () => Promise<T>): Promise<T> {
  deciding++;
  lastBusy = Date.now();
  try {
    return await fn();
  } finally {
    deciding--;
    lastBusy = Date.now();
    if (deciding === 0 && waiters.length && !quietTimer) quietTimer = setTimeout(releaseIfQuiet, CLICKS_QUIET_MS);
  }
}

/**
 * Resolves once no click has been in its decision in this process for CLICKS_QUIET_MS (at once when none has), or
 * after `maxMs` at most.
 */
export function clicksQuiet(maxMs = CLICKS_FIRST_MAX_MS): Promise<void> {
  const left = quietIn();
  if (left === 0 && !quietTimer) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters = waiters.filter((w) => w !== done);
      resolve();
    }, maxMs);
    waiters.push(done);
    if (!quietTimer && left !== Number.POSITIVE_INFINITY) quietTimer = setTimeout(releaseIfQuiet, left);
  });
}
