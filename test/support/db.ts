/**
 * Fresh, migrated databases for tests: a temporary SQLite file, or a new PostgreSQL database on the server the
 * global setup started. `providers` lists the ones available here (both in CI).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb, type Db, type Provider } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';

export const providers: Provider[] = process.env.TEST_DATABASE_URL_PG ? ['sqlite', 'postgresql'] : ['sqlite'];

export interface TestDb {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

let n = 0;

export async function freshDatabaseUrl(provider: Provider): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `t${process.pid}_${Date.now().toString(36)}_${n++}`;
  if (provider === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-test-'));
    return {
      url: `file:${path.join(dir, `${name}.db`)}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.TEST_PG_ADMIN_URL;
  if (!admin) throw new Error('TEST_PG_ADMIN_URL is not set: the global setup starts PostgreSQL');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  const url = admin.replace(/\/postgres$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function freshDb(provider: Provider): Promise<TestDb> {
  const { url, drop } = await freshDatabaseUrl(provider);
  await applyMigrations(url);
  const db = createDb(url);
  return {
    db,
    url,
    drop: async () => {
      await db.$disconnect();
      await drop();
    },
  };
}
