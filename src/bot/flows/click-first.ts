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
 * how long no click must be in its decision before the held rows go: an officer's next click reaches its decision
 * a few ticks after the previous one is answered (their turns run one at a time), and must not find the queue's
 * sends released in between
 */
export const CLICKS_QUIET_MS = 50;

let deciding = 0;
let waiters: (() => void)[] = [];
let quietTimer: NodeJS.Timeout | null = null;

function releaseIfQuiet(): void {
  quietTimer = null;
  if (deciding > 0) return;
  const w = waiters;
  waiters = [];
  for (const f of w) f();
}

/** Runs one click's decision and its answer's drawing; the rows held meanwhile wait for it. */
export async function decidingClick<T>(fn: () => Promise<T>): Promise<T> {
  deciding++;
  try {
    return await fn();
  } finally {
    deciding--;
    if (deciding === 0 && waiters.length && !quietTimer) quietTimer = setTimeout(releaseIfQuiet, CLICKS_QUIET_MS);
  }
}

/**
 * Resolves once no click has been in its decision in this process for CLICKS_QUIET_MS (at once when none is), or
 * after `maxMs` at most.
 */
export function clicksQuiet(maxMs = CLICKS_FIRST_MAX_MS): Promise<void> {
  if (deciding === 0 && !quietTimer) return Promise.resolve();
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
  });
}
