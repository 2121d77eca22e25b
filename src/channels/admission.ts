/**
 * How many messages the bot handles at once, in this process (issue #17). The bot's work is CPU on the one event
 * loop (Prisma's JS, the NLU, templates): started for every callback as it arrives, 200 messages/s against a
 * capacity of ~50/s put thousands of handlers in flight, each loop turn ran seconds of their continuations, and the
 * HTTP answers (WeCom's "ack now, answer through the API", DingTalk's empty 200) waited behind them until the
 * platform gave up. Through this gate only `limit` handlers run; the rest wait in arrival order (FIFO) and cost
 * nothing, so the loop stays free to read requests and answer them.
 *
 * The waiting messages are held in this process's memory, and each is in the inbound journal too (written with its
 * delivery mark before it was acknowledged: src/state/inbound-journal.ts): a crash before their turn leaves them
 * there, and another process (or this one restarted) takes them over once the dead one's lease lapsed.
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Admission {
  /** runs `fn` when a slot is free, in the order the calls came */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** how long a message arriving now is expected to wait for a slot (0 when one is free) */
  expectedWaitMs(): number;
  /** messages waiting for a slot, those running, and how many may run now */
  load(): { waiting: number; running: number; allowed: number };
}

/** enough handlers to keep the CPU busy while others wait on Redis or the database, few enough to keep turns short */
export const DEFAULT_HANDLER_CONCURRENCY = 32;
/**
 * While the event loop lags more than LAG_MS (the CPU is short: our own handlers, or the machine's other work),
 * only LAGGING_HANDLERS run: fewer continuations per loop turn, so the HTTP answers keep coming; the full bound is
 * back once the loop keeps time again. (4 kept the answers quick but halved the throughput when the lag was the
 * machine's and not ours: the handlers spend most of a turn waiting on Redis.)
 */
const LAG_MS = 100;
export const LAGGING_HANDLERS = 12;

let monitor: { lagMs: number } | undefined;
/** the event loop's worst delay over the last 200 ms, one monitor for the process */
function loopLag(): () => number {
  if (!monitor) {
    const m = { lagMs: 0 };
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    setInterval(() => {
      m.lagMs = h.max / 1e6;
      h.reset();
    }, 200).unref();
    monitor = m;
  }
  const m = monitor;
  return () => m.lagMs;
}

export function createAdmission(
  limit = DEFAULT_HANDLER_CONCURRENCY,
  /** the clock turns are timed by (tests give their own) */
  clock: () => number = () => performance.now(),
  /** the event loop's recent delay, ms (tests give their own) */
  lag: () => number = loopLag(),
): Admission {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`admission limit must be a positive integer: ${limit}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  // the mean time a handler holds its slot (exponentially weighted), for the expected wait
  let meanMs = 0;
  const allowed = () => (lag() > LAG_MS ? Math.min(LAGGING_HANDLERS, limit) : limit);
  /** first come, first served: slots go to the waiting in order, as many as may run now */
  const pump = () => {
    while (waiting.length > 0 && running < allowed()) {
      running++;
      waiting.shift()?.();
    }
  };

  return {
    async run(fn) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        pump();
      });
      const started = clock();
      try {
        const value = await fn();
        // timed when it went through: a turn refused at once (the store away) says nothing of the wait behind a slot
        const ms = clock() - started;
        meanMs = meanMs === 0 ? ms : meanMs * 0.9 + ms * 0.1;
        return value;
      } finally {
        running--;
        pump();
      }
    },
    expectedWaitMs() {
      const now = allowed();
      if (running < now && waiting.length === 0) return 0;
      return ((waiting.length + 1) / now) * meanMs;
    },
    load: () => ({ waiting: waiting.length, running, allowed: allowed() }),
  };
}
