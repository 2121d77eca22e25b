/**
 * The inbound journal (issue #17, "kill -9 … nothing acknowledged lost"). A message the platform was told we have
 * (WeCom's empty answer, DingTalk's 200 or Stream ack) but whose turn has not run yet waits in this process's memory
 * (src/channels/admission.ts): a crash would lose it, and the platform never sends an acknowledged callback again.
 * So every message is written here in the SAME store call that sets its delivery mark (before any acknowledgement
 * leaves), keeps its replies once its turn committed (in the same call that marks it 'done'), and is removed once
 * those replies were sent. Entries left by a dead process are taken over by a live one and handled.
 *
 * Where it lives: in the shared store, next to the delivery marks, because the journal and the mark must change
 * together: one Redis script sets the mark and writes the entry, so a message is never marked without its entry
 * (lost) nor journaled without its mark (handled twice), and the hot path pays no extra round trip (the mark's SET
 * was a round trip already). A DB table would add a transaction per message and could not be atomic with the mark.
 * Redis runs with `--appendonly yes` in docker-compose, so the entry outlives a Redis restart as well as ours. The
 * in-process store of the embedded default (no REDIS_URL) keeps the journal in process memory: that mode keeps all
 * its state (marks, dialogs, the queue) there and dies whole, so there is nothing a restart could take over; the
 * memory implementation exists for one process's lifetime and for the shared test suite.
 *
 * Ownership: an entry names the process that wrote it (its owner); each process holds a lease in the store, renewed
 * while it runs. An entry whose owner's lease has lapsed is taken over (a compare-and-set on the entry, so two
 * processes never both take it), its `takeovers` counted: an entry taken over more than MAX_TAKEOVERS times (its
 * handler kills the process, or every owner died holding it) goes to the dead letters with the reason, never dropped.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** how long a process's ownership lasts without renewal (renewed every third of it) */
export const OWNER_LEASE_MS = 15_000;
/** taken over this many times already: the next one is a dead letter, not another try */
export const MAX_TAKEOVERS = 3;

export const JournalEntry = z.object({
  /** the delivery mark's key: one entry per delivery (a duplicate never sets the mark, so never writes an entry) */
  id: z.string(),
  /** arrival order (ms since epoch, then this process's counter): takeovers replay in it, per sender too */
  seq: z.tuple([z.number(), z.number()]),
  owner: z.string(),
  /** the pipeline that handles it (its mark prefix) */
  source: z.string(),
  /** the mark value its owner set ('handling:<uuid>'): a taker swaps it for its own only when it is still this */
  mark: z.string(),
  /** the message, serialised by the pipeline */
  message: z.string(),
  /** the turn's replies, serialised, once the turn committed (then only they are owed) */
  replies: z.string().optional(),
  takeovers: z.number().int().nonnegative(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export interface DeadLetter {
  entry: JournalEntry;
  reason: string;
  at: string;
}

export type MarkTakeover =
  /** the mark was still the dead owner's: it is now the taker's, and the message is handled */
  | 'taken'
  /** the mark says handled (the turn committed before the crash) */
  | 'done'
  /** the mark is another delivery's, or expired and set by someone since: not ours to handle */
  | 'other';

export interface InboundJournal {
  readonly owner: string;
  /**
   * Sets the delivery mark when absent and writes the entry, in one store call: true when this call set them
   * (false: a duplicate; nothing written). Throws StoreUnavailableError when the store is away (nothing acknowledged).
   */
  admit(entry: Omit<JournalEntry, 'owner' | 'seq' | 'takeovers'>, ttlMs: number): Promise<boolean>;
  /** the turn committed: the mark becomes 'done' and the entry keeps the replies until they are sent, one call */
  handled(id: string, replies: string, ttlMs: number): Promise<void>;
  /** the entry's replies are out (or it was answered busy): removed. Removals of one tick go in one call. */
  remove(id: string): Promise<void>;
  /**
   * The entries of owners whose lease lapsed, now this owner's, in arrival order; those taken over too often are
   * moved to the dead letters instead (and not returned).
   */
  takeOver(): Promise<JournalEntry[]>;
  /** on a taken-over entry: swaps its mark for `newMark` when it is still the dead owner's (or gone) */
  takeMark(entry: JournalEntry, newMark: string, ttlMs: number): Promise<MarkTakeover>;
  /** an entry that cannot be handled: kept with the reason, out of the journal */
  deadLetter(id: string, reason: string): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  /** entries waiting (any owner) */
  size(): Promise<number>;
  /** stops renewing the lease (the entries stay for a successor) */
  close(): Promise<void>;
}

/** what every implementation shares: this owner's id and arrival counter */
export function journalOwner(): { owner: string; seq: () => [number, number] } {
  const owner = `${process.pid}-${randomUUID().slice(0, 8)}`;
  let n = 0;
  return { owner, seq: () => [Date.now(), n++] };
}

export const bySeq = (a: JournalEntry, b: JournalEntry) => a.seq[0] - b.seq[0] || a.seq[1] - b.seq[1];

export function parseEntry(raw: string): JournalEntry | null {
  try {
    const e = JournalEntry.safeParse(JSON.parse(raw));
    return e.success ? e.data : null;
  } catch {
    return null;
  }
}
