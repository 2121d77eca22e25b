/**
 * The inbound journal over Redis (see inbound-journal.ts for why it lives beside the delivery marks). Keys, under the
 * store's prefix: `ij:entries` (a hash, entry id → entry JSON), `ij:replies` (entry id → its turn's replies, once
 * it committed), `ij:owner:<owner>` (a process's lease), `ij:owners` (the set of owners that ever wrote), `ij:taking:<owner>` (who takes a dead owner's entries), `ij:dead`
 * (a hash of dead letters). Scripts go by their
 * SHA (EVALSHA), the entry JSON is never decoded in Redis. Each hot-path call is one script, so one round trip: `admit` replaces the mark's
 * `SET NX`, `handled` the mark's `SET done`; `remove` is one `HDEL` for every removal of the same tick.
 */
import type { Redis } from 'ioredis';
import {
  bySeq,
  type DeadLetter,
  type InboundJournal,
  type JournalEntry,
  journalOwner,
  MAX_TAKEOVERS,
  type MarkTakeover,
  OWNER_LEASE_MS,
  parseEntry,
} from './inbound-journal.js';
import { storeCall } from './redis-errors.js';

/** the mark set when absent, and the entry written only then: both or neither */
const ADMIT = `if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) return 1 end
return 0`;
/** the mark says done, and the entry (while it is still there) keeps the replies, in a hash of their own */
const HANDLED = `redis.call('SET', KEYS[1], 'done', 'PX', ARGV[1])
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then redis.call('HSET', KEYS[3], ARGV[2], ARGV[3]) end
return 1`;
/** the entries (and their replies) whose replies were sent: every removal of a tick in one call */
const REMOVE = `redis.call('HDEL', KEYS[1], unpack(ARGV)) redis.call('HDEL', KEYS[2], unpack(ARGV)) return 1`;
/** an entry changes hands only when it is still as the taker read it (two takers: one wins) */
const TAKE = `if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[4] ~= '' then
  redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) return 2 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1`;
/** the mark changes hands only when it is still the dead owner's, or gone */
const TAKE_MARK = `local m = redis.call('GET', KEYS[1])
if m == false or m == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 'taken' end
if m == 'done' then return 'done' end
return 'other'`;
/** the entry goes to the dead letters, with the reason */
const DEAD = `local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({entry = cjson.decode(raw), reason = ARGV[2], at = ARGV[3]}))
return 1`;

type Script = (...args: (string | number)[]) => Promise<unknown>;
/** the scripts as commands of this client (EVALSHA, loaded on first use) */
function scripts(redis: Redis): Record<'admit' | 'handled' | 'remove' | 'take' | 'takeMark' | 'dead', Script> {
  const defs = {
    admit: [2, ADMIT],
    handled: [3, HANDLED],
    remove: [2, REMOVE],
    take: [3, TAKE],
    takeMark: [1, TAKE_MARK],
    dead: [3, DEAD],
  };
  const out: Record<string, Script> = {};
  for (const [name, [numberOfKeys, lua]] of Object.entries(defs)) {
    const command = `huzhuJournal_${name}`;
    if (!(command in redis)) redis.defineCommand(command, { numberOfKeys: numberOfKeys as number, lua: lua as string });
    out[name] = (...args) =>
      storeCall((redis as unknown as Record<string, Script>)[command]?.(...args) as Promise<unknown>);
  }
  return out as Record<'admit' | 'handled' | 'remove' | 'take' | 'takeMark' | 'dead', Script>;
}

export function createRedisJournal(redis: Redis, key: (k: string) => string): InboundJournal {
  const { owner, seq } = journalOwner();
  const lua = scripts(redis);
  const entries = () => key('ij:entries');
  const repliesKey = () => key('ij:replies');
  const dead = () => key('ij:dead');
  const lease = (o: string) => key(`ij:owner:${o}`);
  const owners = () => key('ij:owners');
  // the lease, and this owner's name in the set a takeover looks at first (so a pass with every owner alive reads
  // no entry at all)
  const renew = async () => {
    try {
      // (the keys throw at once while Redis is away: a timer's throw would end the process)
      await redis.multi().set(lease(owner), '1', 'PX', OWNER_LEASE_MS).sadd(owners(), owner).exec();
    } catch {
      // renewed on the next tick; the lease outlives two missed renewals
    }
  };
  void renew();
  const timer = setInterval(renew, OWNER_LEASE_MS / 3);
  timer.unref();

  // removals of one tick in one round trip
  let pending: { ids: string[]; done: Promise<void> } | null = null;
  const flush = async (ids: string[]) => {
    await lua.remove(entries(), repliesKey(), ...ids);
  };

  return {
    owner,
    async admit(e, ttlMs) {
      const entry: JournalEntry = { ...e, owner, seq: seq(), takeovers: 0 };
      const r = await lua.admit(key(e.id), entries(), e.mark, ttlMs, e.id, JSON.stringify(entry));
      return Number(r) === 1;
    },
    async handled(id, replies, ttlMs) {
      await lua.handled(key(id), entries(), repliesKey(), ttlMs, id, replies);
    },
    remove(id) {
      if (!pending) {
        const batch: { ids: string[]; done: Promise<void> } = { ids: [], done: Promise.resolve() };
        batch.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          pending = null;
          return flush(batch.ids);
        });
        pending = batch;
      }
      pending.ids.push(id);
      return pending.done;
    },
    async takeOver() {
      // only when some known owner's lease lapsed is the journal read (a pass every few seconds, in every process)
      const known = (await redis.smembers(owners())).filter((o) => o !== owner);
      const knownLeases = known.length ? await redis.mget(...known.map(lease)) : [];
      const lapsed = known.filter((_, i) => knownLeases[i] === null);
      if (!lapsed.length) return [];
      const all = await redis.hgetall(entries());
      const found: { raw: string; e: JournalEntry }[] = [];
      for (const [id, raw] of Object.entries(all)) {
        const e = parseEntry(raw);
        if (e) found.push({ raw, e });
        else await lua.dead(entries(), dead(), repliesKey(), id, 'unreadable entry', new Date().toISOString());
      }
      const writers = [...new Set(found.map((f) => f.e.owner).filter((o) => o !== owner))];
      const alive = new Set<string>();
      if (writers.length) {
        const leases = await redis.mget(...writers.map(lease));
        writers.forEach((o, i) => {
          if (leases[i] !== null) alive.add(o);
        });
      }
      // a lapsed owner with nothing left in the journal is forgotten
      const holding = new Set(found.map((f) => f.e.owner));
      const gone = lapsed.filter((o) => !holding.has(o));
      if (gone.length) await redis.srem(owners(), ...gone);
      // A dead owner's entries go to one taker, all of them: taken one by one by two processes at once, a sender's
      // a1 and a2 could go to different processes and be answered out of order (the flake check caught two takers
      // splitting them). The first to set the claim takes them; the claim lapses with a lease, so what a taker that
      // died itself did not take is taken by the next.
      const deadWriters = [...new Set(found.map((f) => f.e.owner))].filter((o) => o !== owner && !alive.has(o));
      const mineToTake = new Set<string>();
      for (const w of deadWriters)
        if ((await redis.set(key(`ij:taking:${w}`), owner, 'PX', OWNER_LEASE_MS, 'NX')) === 'OK') mineToTake.add(w);
      const taken: JournalEntry[] = [];
      for (const { raw, e } of found.sort((a, b) => bySeq(a.e, b.e))) {
        if (!mineToTake.has(e.owner)) continue;
        const mine: JournalEntry = { ...e, owner, takeovers: e.takeovers + 1 };
        const deadLetter =
          e.takeovers >= MAX_TAKEOVERS
            ? JSON.stringify({
                entry: e,
                reason: `taken over ${e.takeovers} times: its process died each time before the message was answered`,
                at: new Date().toISOString(),
              })
            : '';
        const r = Number(await lua.take(entries(), dead(), repliesKey(), e.id, raw, JSON.stringify(mine), deadLetter));
        if (r === 1) taken.push(mine);
      }
      if (taken.length) {
        const replies = await redis.hmget(repliesKey(), ...taken.map((e) => e.id));
        taken.forEach((e, i) => {
          const r = replies[i];
          if (typeof r === 'string') e.replies = r;
        });
      }
      return taken;
    },
    async takeMark(entry, newMark, ttlMs) {
      return (await lua.takeMark(key(entry.id), entry.mark, newMark, ttlMs)) as MarkTakeover;
    },
    async deadLetter(id, reason) {
      await lua.dead(entries(), dead(), repliesKey(), id, reason, new Date().toISOString());
    },
    async deadLetters() {
      const all = await redis.hgetall(dead());
      return Object.values(all).map((raw) => JSON.parse(raw) as DeadLetter);
    },
    async size() {
      return redis.hlen(entries());
    },
    async close() {
      clearInterval(timer);
    },
  };
}
