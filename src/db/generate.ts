/**
 * Derives the PostgreSQL schema from prisma/schema.prisma and generates one Prisma client per provider
 * (a generated client is bound to its schema's provider). Runs on `npm install` (postinstall).
 * Prisma's native schema engine cannot be downloaded here; `generate` does not use it but checks that the
 * file exists, hence PRISMA_SCHEMA_ENGINE_BINARY (../shared/PRISMA.md).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sqliteSchemaPath = path.join(root, 'prisma/schema.prisma');
export const pgSchemaPath = path.join(root, 'prisma/postgresql/schema.prisma');

export function derivePgSchema(sqliteSchema: string): string {
  return sqliteSchema
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(/output\s*=\s*"\.\.\/src\/generated\/sqlite"/, 'output   = "../../src/generated/pg"')
    .replace(
      /^\/\/ The one source of truth.*$/m,
      '// GENERATED from prisma/schema.prisma by src/db/generate.ts: edit that file, not this one.',
    );
}

export function writePgSchema(): void {
  fs.mkdirSync(path.dirname(pgSchemaPath), { recursive: true });
  fs.writeFileSync(pgSchemaPath, derivePgSchema(fs.readFileSync(sqliteSchemaPath, 'utf8')));
}

function generate(schema: string): void {
  const bin = path.join(root, 'node_modules/.bin/prisma');
  execFileSync(bin, ['generate', '--schema', schema], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writePgSchema();
  generate(sqliteSchemaPath);
  generate(pgSchemaPath);
}
