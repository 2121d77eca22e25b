import type { Background } from './channels/channel.js';
import type { Log } from './core/log.js';

/** Tracks fire-and-forget work so that tests can wait for it and shutdown can let it finish. */
export function createBackground(log: Log): Background {
  const running = new Set<Promise<void>>();
  let waiters: (() => void)[] = [];
  return {
    run(label, task) {
      const p = (async () => {
        try {
          await task();
        } catch (e) {
          log.error({ err: e, task: label }, 'background task failed');
        }
      })();
      running.add(p);
      void p.finally(() => {
        running.delete(p);
        if (running.size === 0) {
          const w = waiters;
          waiters = [];
          for (const f of w) f();
        }
      });
    },
    idle() {
      if (running.size === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}
