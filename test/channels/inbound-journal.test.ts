/**
 * The inbound journal's contract (src/state/inbound-journal.ts), on both stores: the mark and the entry are written
 * together (a duplicate writes neither), a live owner's entries are never taken, a dead owner's are taken by one
 * taker only and in arrival order, the turn's replies stay with the entry until it is removed, and an entry taken
 * over too often is a dead letter with its reason. Two journals over one store stand for two processes; an owner
 * "dies" by its lease lapsing (the memory store: its clock moves past the lease; Redis: the lease key is gone, as
 * when its process stopped renewing it).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { must } from '../../src/core/must.js';
import {
  type InboundJournal,
  type JournalEntry,
  MAX_TAKEOVERS,
  OWNER_LEASE_MS,
} from '../../src/state/inbound-journal.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { createMemoryJournal, memoryJournalBackend } from '../../src/state/memory-journal.js';
import { createRedisStore } from '../../src/state/redis.js';
import type { KeyValueStore } from '../../src/state/store.js';

interface World {
  store: KeyValueStore;
  /** a journal of a new process */
  process(): InboundJournal;
  /** the owner's lease lapses (its process died) */
  die(j: InboundJournal): Promise<void>;
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

const worlds: [string, () => World][] = [
  [
    'memory',
    () => {
      const store = createMemoryStore();
      const backend = memoryJournalBackend();
      let now = Date.now();
      return {
        store,
        process: () => {
          const j = createMemoryJournal(store, backend, () => now);
          closers.push(() => j.close());
          return j;
        },
        async die(j) {
          // only this owner stops renewing: the others renew as their timers would
          await j.close();
          now += OWNER_LEASE_MS + 1;
          for (const o of backend.leases.keys()) if (o !== j.owner) backend.leases.set(o, now + OWNER_LEASE_MS);
        },
      };
    },
  ],
];
const redisUrl = process.env.TEST_REDIS_URL;
if (redisUrl) {
  let n = 0;
  worlds.push([
    'redis',
    () => {
      const prefix = `ij${process.pid}-${n++}:`;
      const open = () => {
        const s = createRedisStore(redisUrl, { prefix });
        closers.push(() => s.close());
        return s;
      };
      const store = open();
      return {
        store,
        process: () => {
          const j = must(open().journal, 'the Redis store has a journal')();
          closers.push(() => j.close());
          return j;
        },
        async die(j) {
          await j.close();
          await store.redis.del(`${prefix}ij:owner:${j.owner}`);
        },
      };
    },
  ]);
}

const TTL = 60_000;
const entry = (id: string, sender = 'u1', text = id) => ({
  id,
  source: 'wecom:seen:test',
  mark: `handling:${id}`,
  message: JSON.stringify({ userId: sender, text }),
});
const ids = (es: JournalEntry[]) => es.map((e) => e.id);

describe.each(worlds)('inbound journal on the %s store', (_name, makeWorld) => {
  it('writes the mark and the entry together; a duplicate writes neither', async () => {
    const w = makeWorld();
    const a = w.process();
    expect(await a.admit(entry('m1'), TTL)).toBe(true);
    expect(await w.store.get('m1')).toBe('handling:m1');
    expect(await a.size()).toBe(1);
    // the same delivery again (a platform retry): refused by its mark, no second entry
    expect(await a.admit({ ...entry('m1'), mark: 'handling:other' }, TTL)).toBe(false);
    expect(await w.store.get('m1')).toBe('handling:m1');
    expect(await a.size()).toBe(1);
    await a.remove('m1');
    expect(await a.size()).toBe(0);
  });

  it('a live owner’s entries are never taken; a dead owner’s are taken once, in arrival order', async () => {
    const w = makeWorld();
    const dead = w.process();
    const b = w.process();
    const c = w.process();
    for (const [id, who] of [
      ['a1', 'alice'],
      ['b1', 'bob'],
      ['a2', 'alice'],
      ['b2', 'bob'],
      ['a3', 'alice'],
    ] as const)
      await dead.admit(entry(id, who), TTL);
    expect(await b.takeOver()).toEqual([]);
    await w.die(dead);
    // two takers at once: each entry goes to exactly one
    const [byB, byC] = await Promise.all([b.takeOver(), c.takeOver()]);
    expect([...ids(byB), ...ids(byC)].sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
    const taken = byB.length ? byB : byC;
    expect(ids(taken)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    expect(taken.every((e) => e.takeovers === 1)).toBe(true);
    // taken means owned: a pass of the other taker finds nothing
    expect(await (byB.length ? c : b).takeOver()).toEqual([]);
  });

  it('the mark is taken only when it is still the dead owner’s; a handled entry keeps its replies', async () => {
    const w = makeWorld();
    const dead = w.process();
    const b = w.process();
    await dead.admit(entry('waiting'), TTL);
    await dead.admit(entry('handled'), TTL);
    await dead.handled('handled', '[{"kind":"text","text":"已收到"}]', TTL);
    expect(await w.store.get('handled')).toBe('done');
    await dead.admit(entry('expired'), TTL);
    await w.store.del('expired');
    await dead.admit(entry('stolen'), TTL);
    await w.store.set('stolen', 'handling:someone-else', TTL);
    await w.die(dead);
    const taken = await b.takeOver();
    const get = (id: string) =>
      must(
        taken.find((e) => e.id === id),
        id,
      );
    expect(get('handled').replies).toBe('[{"kind":"text","text":"已收到"}]');
    expect(get('waiting').replies).toBeUndefined();
    expect(await b.takeMark(get('waiting'), 'handling:b', TTL)).toBe('taken');
    expect(await w.store.get('waiting')).toBe('handling:b');
    expect(await b.takeMark(get('handled'), 'handling:b', TTL)).toBe('done');
    expect(await b.takeMark(get('expired'), 'handling:b', TTL)).toBe('taken');
    expect(await b.takeMark(get('stolen'), 'handling:b', TTL)).toBe('other');
    expect(await w.store.get('stolen')).toBe('handling:someone-else');
    for (const e of taken) await b.remove(e.id);
    expect(await b.size()).toBe(0);
  });

  it('an entry whose owners keep dying is a dead letter with the reason, never dropped', async () => {
    const w = makeWorld();
    let owner = w.process();
    await owner.admit(entry('poison'), TTL);
    for (let i = 1; i <= MAX_TAKEOVERS; i++) {
      await w.die(owner);
      owner = w.process();
      const taken = await owner.takeOver();
      expect(taken.map((e) => [e.id, e.takeovers])).toEqual([['poison', i]]);
    }
    await w.die(owner);
    const last = w.process();
    expect(await last.takeOver()).toEqual([]);
    expect(await last.size()).toBe(0);
    const dead = await last.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]?.entry.id).toBe('poison');
    expect(dead[0]?.reason).toContain(`taken over ${MAX_TAKEOVERS} times`);
    // an explicit dead letter (a replay that failed) keeps its own reason
    await last.admit(entry('odd'), TTL);
    await last.deadLetter('odd', 'the journaled message is unreadable');
    const reasons = new Map((await last.deadLetters()).map((d) => [d.entry.id, d.reason]));
    expect(reasons.get('odd')).toBe('the journaled message is unreadable');
    expect(reasons.get('poison')).toContain('taken over');
  });
});

describe('the Redis journal while Redis is away', () => {
  it('a lease renewal that finds Redis away does not end the process (found by the load bench’s Redis restart)', async () => {
    const { freePort } = await import('../faults/support.js');
    vi.useFakeTimers({ toFake: ['setInterval'] });
    // nothing listens there: the client goes to 'reconnecting', where every key throws StoreUnavailableError
    const store = createRedisStore(`redis://127.0.0.1:${await freePort()}`, { prefix: 'away:' });
    store.redis.on('error', () => undefined);
    try {
      const journal = must(store.journal, 'the Redis store has a journal')();
      const end = Date.now() + 10_000;
      while (store.redis.status !== 'reconnecting') {
        if (Date.now() > end) throw new Error(`redis client ${store.redis.status}, not reconnecting`);
        await new Promise((r) => setTimeout(r, 5));
      }
      // the renewal tick: it used to throw from the timer (an uncaught exception)
      expect(() => vi.advanceTimersByTime(OWNER_LEASE_MS)).not.toThrow();
      await expect(journal.admit(entry('x'), TTL)).rejects.toThrow('redis unavailable');
      await journal.close();
    } finally {
      vi.useRealTimers();
      await store.close();
    }
  });
});

describe.runIf(redisUrl)('inbound journal on Redis, two takers at once', () => {
  it('never split a dead owner’s entries: a sender’s messages stay with one process, in their order', async () => {
    const prefix = `ij${process.pid}-split:`;
    const open = () => {
      const s = createRedisStore(must(redisUrl, 'runIf'), { prefix });
      closers.push(() => s.close());
      return s;
    };
    const journalOf = (s: ReturnType<typeof open>) => {
      const j = must(s.journal, 'the Redis store has a journal')();
      closers.push(() => j.close());
      return j;
    };
    const dead = journalOf(open());
    const all: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `m${String(i).padStart(2, '0')}`;
      all.push(id);
      await dead.admit(entry(id, `u${i % 3}`), TTL);
    }
    await dead.close();
    const deadStore = open();
    await deadStore.redis.del(`${prefix}ij:owner:${dead.owner}`);
    // B is held after taking 3 entries until C's pass is over: C then finds the rest still the dead owner's
    const bStore = open();
    const b = journalOf(bStore);
    const c = journalOf(open());
    let cDone = () => {};
    const cFinished = new Promise<void>((resolve) => {
      cDone = resolve;
    });
    const takeCmd = 'huzhuJournal_take';
    const client = bStore.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const real = must(client[takeCmd], 'the take script is defined when the journal is made').bind(bStore.redis);
    let calls = 0;
    client[takeCmd] = async (...a: unknown[]) => {
      if (++calls === 4) await cFinished;
      return real(...a);
    };
    const byBPromise = b.takeOver();
    // C's pass starts once B has taken its first three
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(4));
    const byC = await c.takeOver();
    cDone();
    const byB = await byBPromise;
    expect(ids(byC)).toEqual([]);
    expect(ids(byB)).toEqual(all);
  });
});
