/**
 * The inbound journal's cost per message (issue #17), next to what the pipeline did without it in the same run:
 * the delivery mark's `SET NX` and its `SET done` (baseline), against the journal's `admit` (the mark and the entry
 * in one script), `handled` (the mark done and the replies kept, one script) and `remove` (one HDEL per tick for
 * all the removals of that tick). 32 messages in flight, as the admission bound lets run; a Redis of our own with
 * `--appendonly yes` as docker-compose runs it. Measured: this process's CPU per message (the app's cost: the event
 * loop the 200 msg/s target shares), Redis's CPU per message, and the wall time per message.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeMessage, serializeReplies } from '../src/channels/journal-codec.js';
import type { InboundMessage, Reply } from '../src/core/messages.js';
import { must } from '../src/core/must.js';
import { createRedisStore } from '../src/state/redis.js';
import { freePort, redisBin, until } from '../test/faults/support.js';
import type { BenchResult } from './run.js';

const N = Number(process.env.JOURNAL_N ?? 20_000);
const IN_FLIGHT = 32;
const TTL = 24 * 3_600_000;

async function portOpen(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

export default async function run(): Promise<BenchResult[]> {
  if (!redisBin) {
    process.stderr.write('   no redis-server: journal bench skipped\n');
    return [];
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-journal-bench-'));
  const child = spawn(redisBin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'], {
    stdio: 'ignore',
  });
  await until('redis to listen', () => portOpen(port), 20_000);
  const url = `redis://127.0.0.1:${port}`;
  const store = createRedisStore(url, { prefix: 'bench:' });
  const journal = must(store.journal, 'the Redis store journals')();

  const msg = (i: number): InboundMessage => ({
    platform: 'wecom',
    userId: `user-${i % 500}`,
    dedupeKey: `msg:${7_400_000_000_000 + i}`,
    receivedAt: new Date(),
    kind: 'text',
    text: '我参加了吗？我是海口市演示单位工会的职工，去年交过互助金',
  });
  const replies: Reply[] = [
    { kind: 'text', text: '您已参加第2期职工医疗互助（续互，120 元，已交费）。保障期 2017-01-01 至 2017-12-31。' },
  ];

  const redisCpu = async () => {
    const info = await store.redis.info('cpu');
    const v = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    return (v('used_cpu_user') + v('used_cpu_sys')) * 1e6;
  };
  const measure = async (label: string, one: (i: number) => Promise<void>) => {
    // a warm-up, then the run
    for (let i = 0; i < 500; i++) await one(-1 - i);
    const cpu0 = process.cpuUsage();
    const r0 = await redisCpu();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < N) await one(next++);
      }),
    );
    const wallUs = ((performance.now() - t0) * 1000) / N;
    const cpu = process.cpuUsage(cpu0);
    const appUs = (cpu.user + cpu.system) / N;
    const redisUs = ((await redisCpu()) - r0) / N;
    process.stderr.write(
      `   ${label}: app ${appUs.toFixed(1)} µs, redis ${redisUs.toFixed(1)} µs, wall ${wallUs.toFixed(1)} µs\n`,
    );
    return { appUs, redisUs, wallUs };
  };

  const base = await measure('mark only', async (i) => {
    const key = `b:${i}`;
    await store.setIfAbsent(key, `handling:${i}`, TTL);
    await store.set(key, 'done', TTL);
  });
  const withJournal = await measure('journal', async (i) => {
    const m = msg(i);
    const key = `j:${m.dedupeKey}:${i}`;
    await journal.admit(
      { id: key, source: 'wecom:seen:bench', mark: `handling:${i}`, message: serializeMessage(m) },
      TTL,
    );
    await journal.handled(key, serializeReplies(replies), TTL);
    await journal.remove(key);
  });
  const left = await journal.size();

  await journal.close();
  await store.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });

  const note = `${N} messages, ${IN_FLIGHT} in flight, appendonly yes; entries left ${left}`;
  return [
    { name: 'mark only (SET NX + SET done): app CPU per message', value: base.appUs, unit: 'µs', note },
    { name: 'journal (admit + handled + batched remove): app CPU', value: withJournal.appUs, unit: 'µs' },
    { name: 'journal app CPU / mark only', value: withJournal.appUs / base.appUs, unit: 'ratio' },
    { name: 'journal: app CPU added per message', value: withJournal.appUs - base.appUs, unit: 'µs' },
    { name: 'mark only: Redis CPU per message', value: base.redisUs, unit: 'µs' },
    { name: 'journal: Redis CPU per message', value: withJournal.redisUs, unit: 'µs' },
    { name: 'journal wall / mark only (32 in flight)', value: withJournal.wallUs / base.wallUs, unit: 'ratio' },
  ];
}
