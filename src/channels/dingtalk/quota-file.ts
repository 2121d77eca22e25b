/**
 * The monthly quota's counters on disk, for a deployment without Redis (one instance): the in-process store dies
 * with the process and is not the CLI's, so `huzhu quota` read 0 while the server had counted hundreds of calls.
 * A small JSON file beside the SQLite database (or under ./data for PostgreSQL) holds the same keys QuotaMeter
 * keeps in Redis; every operation reads the file afresh (the CLI sees the server's count at once) and writes it
 * whole by rename (never half-written), under a lock directory that the server and the CLI share.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { tryJsonColumn } from '../../core/json-column.js';
import { LockTimeoutError } from '../../state/memory.js';
import type { KeyValueStore } from '../../state/store.js';

const Data = z.record(z.string(), z.object({ v: z.string(), exp: z.number().nullable() }));
type Data = z.infer<typeof Data>;

/** where the counters of this database live: `<db file>.dingtalk-quota.json`, or data/dingtalk-quota-<hash>.json */
export function quotaFilePath(databaseUrl: string): string {
  if (databaseUrl.startsWith('file:')) {
    const file = databaseUrl.slice('file:'.length).split('?')[0] ?? '';
    return `${path.resolve(file)}.dingtalk-quota.json`;
  }
  const h = createHash('sha256').update(databaseUrl).digest('hex').slice(0, 10);
  return path.resolve('data', `dingtalk-quota-${h}.json`);
}

const LOCK_STALE_MS = 10_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FileStore implements KeyValueStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  private read(): Data {
    let raw: string;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch {
      return {};
    }
    // a file cut short or edited by hand starts the counters afresh (the platform's own count is the truth)
    const r = tryJsonColumn(Data, raw, 'quota file');
    if (!r.ok) return {};
    const d = r.value;
    const t = this.now();
    for (const [k, e] of Object.entries(d)) if (e.exp !== null && e.exp <= t) delete d[k];
    return d;
  }

  private write(d: Data): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(d));
    fs.renameSync(tmp, this.file);
  }

  /** one read-modify-write at a time: in this process by a queue, across processes by a lock directory */
  private transact<T>(fn: (d: Data) => T): Promise<T> {
    const run = async () => {
      const lock = `${this.file}.lock`;
      for (let i = 0; ; i++) {
        try {
          fs.mkdirSync(lock);
          break;
        } catch {
          // a lock left by a killed process is taken over
          try {
            if (this.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS)
              fs.rmSync(lock, { recursive: true, force: true });
          } catch {}
          if (i > 500) throw new Error(`the quota file ${this.file} stays locked`);
          await sleep(10);
        }
      }
      try {
        const d = this.read();
        const r = fn(d);
        this.write(d);
        return r;
      } finally {
        fs.rmSync(lock, { recursive: true, force: true });
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  private exp(ttlMs?: number): number | null {
    return ttlMs ? this.now() + ttlMs : null;
  }

  async get(key: string): Promise<string | null> {
    return this.read()[key]?.v ?? null;
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.transact((d) => {
      d[key] = { v: value, exp: this.exp(ttlMs) };
    });
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.transact((d) => {
      if (d[key]) return false;
      d[key] = { v: value, exp: this.exp(ttlMs) };
      return true;
    });
  }

  del(key: string): Promise<void> {
    return this.transact((d) => {
      delete d[key];
    });
  }

  incr(key: string, ttlMs: number): Promise<number> {
    return this.transact((d) => {
      const cur = d[key];
      const n = (cur ? Number(cur.v) || 0 : 0) + 1;
      d[key] = { v: String(n), exp: cur?.exp ?? this.exp(ttlMs) };
      return n;
    });
  }

  update(key: string, fn: (current: string | null) => string | null, ttlMs: number): Promise<string | null> {
    return this.transact((d) => {
      const next = fn(d[key]?.v ?? null);
      if (next === null) delete d[key];
      else d[key] = { v: next, exp: this.exp(ttlMs) };
      return next;
    });
  }

  /** one process holds it at a time (the flush of held messages): a lock directory per key */
  async withLock<T>(key: string, ttlMs: number, fn: () => Promise<T>, waitMs = 10_000): Promise<T> {
    const dir = `${this.file}.${createHash('sha256').update(key).digest('hex').slice(0, 12)}.lock`;
    const until = this.now() + waitMs;
    for (;;) {
      try {
        fs.mkdirSync(dir);
        break;
      } catch {
        try {
          if (this.now() - fs.statSync(dir).mtimeMs > ttlMs) fs.rmSync(dir, { recursive: true, force: true });
        } catch {}
        if (this.now() > until) throw new LockTimeoutError(`lock ${key} is held`);
        await sleep(20);
      }
    }
    try {
      return await fn();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
