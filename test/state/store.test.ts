/**
 * One contract, two stores: the in-process store (no REDIS_URL) must behave exactly like the Redis one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FileStore } from '../../src/channels/dingtalk/quota-file.js';
import { must } from '../../src/core/must.js';
import { createMemoryStore, LockTimeoutError } from '../../src/state/memory.js';
import { createRedisStore } from '../../src/state/redis.js';
import type { KeyValueStore } from '../../src/state/store.js';

const stores: [string, () => KeyValueStore][] = [['memory', () => createMemoryStore()]];
// the DingTalk quota's file store (no Redis: the app and the CLI share it) keeps the same contract
let files = 0;
const fileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-filestore-'));
stores.push(['file', () => new FileStore(path.join(fileDir, `s${files++}.json`))]);
const redisUrl = process.env.TEST_REDIS_URL;
if (redisUrl) {
  let n = 0;
  stores.push(['redis', () => createRedisStore(redisUrl, { prefix: `t${process.pid}-${n++}:` })]);
}
const opened: KeyValueStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(stores)('%s store', (_name, make) => {
  const open = () => {
    const s = make();
    opened.push(s);
    return s;
  };

  it('sets, gets and expires values', async () => {
    const s = open();
    // a TTL long enough that a loaded machine still reads the value back, then a wait for it to lapse
    await s.set('a', '1', 1_000);
    expect(await s.get('a')).toBe('1');
    await vi.waitFor(async () => expect(await s.get('a')).toBeNull(), { timeout: 10_000, interval: 100 });
  });

  it('setIfAbsent lets exactly one of many concurrent callers win', async () => {
    const s = open();
    const wins = await Promise.all(Array.from({ length: 20 }, () => s.setIfAbsent('once', 'x', 5_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    await s.del('once');
    expect(await s.setIfAbsent('once', 'y', 5_000)).toBe(true);
  });

  it('incr counts and starts a fresh counter with its ttl', async () => {
    const s = open();
    expect(await s.incr('c', 5_000)).toBe(1);
    expect(await s.incr('c', 5_000)).toBe(2);
  });

  it('update never loses a concurrent change', async () => {
    const s = open();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        s.update('list', (cur) => JSON.stringify([...(cur ? (JSON.parse(cur) as number[]) : []), i]), 5_000),
      ),
    );
    const list = JSON.parse(must(await s.get('list'), 'the list was written')) as number[];
    expect(list.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(await s.update('list', () => null, 5_000)).toBeNull();
    expect(await s.get('list')).toBeNull();
  });

  it('withLock runs holders one at a time and times out a waiter', async () => {
    const s = open();
    const order: string[] = [];
    const hold = (id: string, ms: number) =>
      s.withLock('L', 5_000, async () => {
        order.push(`${id}+`);
        await sleep(ms);
        order.push(`${id}-`);
      });
    await Promise.all([hold('a', 40), hold('b', 10)]);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-']);
    // M is held until the waiter has given up: its timeout, not a race of timers, decides
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let holding = false;
    const long = s.withLock('M', 5_000, async () => {
      holding = true;
      await held;
    });
    await vi.waitFor(() => expect(holding).toBe(true));
    await expect(s.withLock('M', 5_000, async () => 1, 50)).rejects.toBeInstanceOf(LockTimeoutError);
    release();
    await long;
    expect(await s.withLock('M', 5_000, async () => 2)).toBe(2);
  });
});

describe('redis store shared by two instances', () => {
  it.runIf(Boolean(redisUrl))('sees one dedupe mark from both', async () => {
    const prefix = `shared${process.pid}:`;
    const url = must(redisUrl, 'TEST_REDIS_URL (the test runs only with it)');
    const a = createRedisStore(url, { prefix });
    const b = createRedisStore(url, { prefix });
    opened.push(a, b);
    const [x, y] = await Promise.all([a.setIfAbsent('msg:1', '1', 5_000), b.setIfAbsent('msg:1', '1', 5_000)]);
    expect([x, y].filter(Boolean)).toHaveLength(1);
  });
});
