/**
 * How many messages the bot handles at once, in this process (issue #17). The bot's work is CPU on the one event
 * loop (Prisma's JS, the NLU, templates): started for every callback as it arrives, 200 messages/s against a
 * capacity of ~50/s put thousands of handlers in flight, each loop turn ran seconds of their continuations, and the
 * HTTP answers (WeCom's "ack now, answer through the API", DingTalk's empty 200) waited behind them until the
 * platform gave up. Through this gate only `limit` handlers run; the rest wait in arrival order (FIFO) and cost
 * nothing, so the loop stays free to read requests and answer them.
 *
 * The waiting messages are held in this process's memory: their delivery marks are in the shared store, so a
 * crash before their turn leaves them marked 'handling' (the platform's retry is taken for a duplicate until the
 * mark's ttl), as a crash during handling always did.
 */

export interface Admission {
  /** runs `fn` when a slot is free, in the order the calls came */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** how long a message arriving now is expected to wait for a slot (0 when one is free) */
  expectedWaitMs(): number;
  /** messages waiting for a slot, and those running */
  load(): { waiting: number; running: number };
}

/** enough handlers to keep the CPU busy while others wait on Redis or the database, few enough to keep turns short */
export const DEFAULT_HANDLER_CONCURRENCY = 32;

export function createAdmission(
  limit = DEFAULT_HANDLER_CONCURRENCY,
  /** the clock turns are timed by (tests give their own) */
  clock: () => number = () => performance.now(),
): Admission {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`admission limit must be a positive integer: ${limit}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  // the mean time a handler holds its slot (exponentially weighted), for the expected wait
  let meanMs = 0;

  const next = () => {
    const go = waiting.shift();
    if (go) go();
    else running--;
  };

  return {
    async run(fn) {
      if (running < limit) running++;
      // the slot is handed over by the finishing handler (running stays counted), so no later arrival can take it
      else await new Promise<void>((resolve) => waiting.push(resolve));
      const started = clock();
      try {
        const value = await fn();
        // timed when it went through: a turn refused at once (the store away) says nothing of the wait behind a slot
        const ms = clock() - started;
        meanMs = meanMs === 0 ? ms : meanMs * 0.9 + ms * 0.1;
        return value;
      } finally {
        next();
      }
    },
    expectedWaitMs() {
      if (running < limit) return 0;
      return ((waiting.length + 1) / limit) * meanMs;
    },
    load: () => ({ waiting: waiting.length, running }),
  };
}
