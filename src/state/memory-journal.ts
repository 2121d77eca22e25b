/** The inbound journal of the in-process store (inbound-journal.ts says why process memory is enough there). */
import {
  bySeq,
  type DeadLetter,
  type InboundJournal,
  type JournalEntry,
  journalOwner,
  MAX_TAKEOVERS,
  type MarkTakeover,
  OWNER_LEASE_MS,
} from './inbound-journal.js';
import type { KeyValueStore } from './store.js';

/**
 * The in-process journal of the memory store (one process: see the header). Several owners over one `shared`
 * backend stand for several processes in the tests; `clock` decides when a lease lapsed.
 */
export interface MemoryJournalBackend {
  entries: Map<string, JournalEntry>;
  dead: Map<string, DeadLetter>;
  leases: Map<string, number>;
}
export const memoryJournalBackend = (): MemoryJournalBackend => ({
  entries: new Map(),
  dead: new Map(),
  leases: new Map(),
});

export function createMemoryJournal(
  store: KeyValueStore,
  shared: MemoryJournalBackend = memoryJournalBackend(),
  clock: () => number = Date.now,
): InboundJournal {
  const { owner, seq } = journalOwner();
  const renew = () => shared.leases.set(owner, clock() + OWNER_LEASE_MS);
  renew();
  const timer = setInterval(renew, OWNER_LEASE_MS / 3);
  timer.unref();
  const alive = (o: string) => (shared.leases.get(o) ?? 0) > clock();
  const toDead = (e: JournalEntry, reason: string) => {
    shared.entries.delete(e.id);
    shared.dead.set(e.id, { entry: e, reason, at: new Date(clock()).toISOString() });
  };
  return {
    owner,
    async admit(e, ttlMs) {
      if (!(await store.setIfAbsent(e.id, e.mark, ttlMs))) return false;
      shared.entries.set(e.id, { ...e, owner, seq: seq(), takeovers: 0 });
      return true;
    },
    async handled(id, replies, ttlMs) {
      await store.set(id, 'done', ttlMs);
      const e = shared.entries.get(id);
      if (e && e.owner === owner) shared.entries.set(id, { ...e, replies });
    },
    async remove(id) {
      if (shared.entries.get(id)?.owner === owner) shared.entries.delete(id);
    },
    async takeOver() {
      const taken: JournalEntry[] = [];
      for (const e of [...shared.entries.values()].sort(bySeq)) {
        if (e.owner === owner || alive(e.owner)) continue;
        if (e.takeovers >= MAX_TAKEOVERS) {
          toDead(e, `taken over ${e.takeovers} times: its process died each time before the message was answered`);
          continue;
        }
        const mine = { ...e, owner, takeovers: e.takeovers + 1 };
        shared.entries.set(e.id, mine);
        taken.push(mine);
      }
      return taken;
    },
    async takeMark(entry, newMark, ttlMs) {
      let result: MarkTakeover = 'other';
      await store.update(
        entry.id,
        (current) => {
          if (current === entry.mark || current === null) {
            result = 'taken';
            return newMark;
          }
          result = current === 'done' ? 'done' : 'other';
          return current;
        },
        ttlMs,
      );
      return result;
    },
    async deadLetter(id, reason) {
      const e = shared.entries.get(id);
      if (e) toDead(e, reason);
    },
    async deadLetters() {
      return [...shared.dead.values()];
    },
    async size() {
      return shared.entries.size;
    },
    async close() {
      clearInterval(timer);
    },
  };
}
