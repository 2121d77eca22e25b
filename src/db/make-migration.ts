/**
 * `npm run db:diff -- <name>`: writes the next migration for both providers from the change of
 * prisma/schema.prisma since the last migration (a datamodel→datamodel diff: no shadow database needed).
 * The PostgreSQL diff connects to DIFF_PG_URL (any reachable server; nothing is written to it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adapterFactory, type Provider } from './client.js';
import { writePgSchema } from './generate.js';
import { migrationsDir, schemaFor } from './migrations.js';
import { noFilters, openSchemaEngine } from './schema-engine.js';

/** SQL appended to the first migration: the audit log is append-only at the database level. */
const auditTriggers: Record<Provider, string> = {
  sqlite: `
-- AuditLog is append-only
CREATE TRIGGER "AuditLog_no_update" BEFORE UPDATE ON "AuditLog" BEGIN SELECT RAISE(ABORT, 'AuditLog is append-only'); END;
CREATE TRIGGER "AuditLog_no_delete" BEFORE DELETE ON "AuditLog" BEGIN SELECT RAISE(ABORT, 'AuditLog is append-only'); END;
`,
  postgresql: `
-- AuditLog is append-only. The body's semicolons are written as \\073: Prisma's pg adapter splits scripts at every semicolon.
CREATE FUNCTION "AuditLog_append_only"() RETURNS trigger LANGUAGE plpgsql
  AS E'BEGIN RAISE EXCEPTION ''AuditLog is append-only''\\073 END\\073';
CREATE TRIGGER "AuditLog_no_update_delete" BEFORE UPDATE OR DELETE ON "AuditLog"
  FOR EACH ROW EXECUTE FUNCTION "AuditLog_append_only"();
`,
};

async function makeFor(provider: Provider, name: string, url: string): Promise<void> {
  const dir = migrationsDir(provider);
  fs.mkdirSync(dir, { recursive: true });
  const snapshotPath = path.join(dir, 'schema.snapshot.prisma');
  const current = schemaFor(provider);
  const previous = fs.existsSync(snapshotPath) ? fs.readFileSync(snapshotPath, 'utf8') : null;
  const { engine, close } = await openSchemaEngine(current, adapterFactory(url));
  try {
    const result = await engine.diff({
      from: previous
        ? { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: previous }] }
        : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: current }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    let sql = result.stdout ?? '';
    if (!sql.trim() || /empty migration/i.test(sql)) {
      console.log(`${provider}: no change`);
      return;
    }
    if (!previous) sql += auditTriggers[provider];
    const count = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).length;
    const folder = `${String(count + 1).padStart(4, '0')}_${name}`;
    fs.mkdirSync(path.join(dir, folder));
    fs.writeFileSync(path.join(dir, folder, 'migration.sql'), sql);
    fs.writeFileSync(path.join(dir, 'migration_lock.toml'), `provider = "${provider}"\n`);
    fs.writeFileSync(snapshotPath, current);
    console.log(`${provider}: wrote ${folder}`);
  } finally {
    await close();
  }
}

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) {
  console.error('usage: npm run db:diff -- <migration_name>');
  process.exit(2);
}
writePgSchema();
await makeFor('sqlite', name, `file:${path.join(os.tmpdir(), `huzhu-diff-${process.pid}.db`)}`);
const pgUrl = process.env.DIFF_PG_URL;
if (pgUrl) await makeFor('postgresql', name, pgUrl);
else console.warn('DIFF_PG_URL not set: PostgreSQL migration not written');
