/**
 * Takes over what dead processes left in the inbound journal (src/state/inbound-journal.ts) and hands each entry to
 * the pipeline that wrote it (by its mark prefix), in arrival order, so a sender's messages stay in order. Runs at
 * start and every few seconds: a process killed with kill -9 stops renewing its lease, and within one lease its
 * entries are handled here. An entry no pipeline of this process knows (a platform no longer configured), or whose
 * replay threw, is a dead letter with the reason: never dropped silently.
 */
import type { Log } from '../core/log.js';
import { type InboundJournal, type JournalEntry, OWNER_LEASE_MS } from '../state/inbound-journal.js';

export interface InboundRecovery {
  journal: InboundJournal;
  /** the pipeline with this mark prefix replays its entries (synchronously takes the sender's place, then runs) */
  register(source: string, replay: (e: JournalEntry) => Promise<void>): void;
  /** one takeover pass now (start-up, tests); resolves when its entries are handled */
  sweep(): Promise<number>;
  /** a pass now and every third of a lease */
  start(): void;
  stop(): Promise<void>;
}

/** (the app's Background, by shape: channel.ts imports this module) */
interface Tracker {
  run(label: string, task: () => Promise<void>): void;
}

export function createInboundRecovery(journal: InboundJournal, log: Log, background: Tracker): InboundRecovery {
  const replays = new Map<string, (e: JournalEntry) => Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | null = null;

  const pass = async (): Promise<number> => {
    let taken: JournalEntry[];
    try {
      taken = await journal.takeOver();
    } catch (e) {
      log.warn({ err: e }, 'inbound journal takeover not done: the store is away, tried again');
      return 0;
    }
    if (taken.length) log.warn({ entries: taken.length }, 'inbound journal: messages of a dead process taken over');
    // every replay started in arrival order before any is awaited: each takes its sender's place at once
    const done = taken.map(async (e) => {
      const replay = replays.get(e.source);
      try {
        if (!replay) return await journal.deadLetter(e.id, `no channel for ${e.source.split(':')[0]} in this process`);
        await replay(e);
      } catch (err) {
        log.error({ err, source: e.source }, 'inbound journal entry could not be handled: dead letter');
        await journal.deadLetter(e.id, `replay failed: ${String((err as Error)?.message ?? err).slice(0, 200)}`);
      }
    });
    await Promise.all(done);
    return taken.length;
  };
  const sweep = () => {
    // one pass at a time: a slow pass is not overtaken by the next tick's
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    journal,
    register(source, replay) {
      replays.set(source, replay);
    },
    sweep,
    start() {
      background.run('inbound journal takeover', async () => {
        await sweep();
      });
      timer = setInterval(() => {
        if (!running) background.run('inbound journal takeover', async () => void (await sweep()));
      }, OWNER_LEASE_MS / 3);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
      await journal.close();
    },
  };
}
