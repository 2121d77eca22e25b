/**
 * What every entry point (server, CLI, tests) needs: configuration, log, database with migrations applied.
 */
import { type Config, loadConfig } from './config.js';
import { armFault } from './core/fault.js';
import { createLog, type Log } from './core/log.js';
import { createDb, type Db, providerOf } from './db/client.js';
import { applyMigrations } from './db/migrations.js';
import { shanghaiDate } from './rules/index.js';

export interface Runtime {
  config: Config;
  log: Log;
  db: Db;
  close(): Promise<void>;
}

export async function openRuntime(
  env: NodeJS.ProcessEnv = process.env,
  opts: { migrate?: boolean } = {},
): Promise<Runtime> {
  const config = loadConfig(env);
  const log = createLog(config.LOG_LEVEL);
  armFault(config.HUZHU_FAULT);
  if (config.HUZHU_FAULT) log.warn({ fault: config.HUZHU_FAULT }, 'a test crash point is armed (HUZHU_FAULT)');
  if (opts.migrate !== false) {
    const applied = await applyMigrations(config.DATABASE_URL);
    if (applied.length) log.info({ applied, provider: providerOf(config.DATABASE_URL) }, 'migrations applied');
  }
  const db = createDb(config.DATABASE_URL);
  return { config, log, db, close: () => db.$disconnect() };
}

/** Today's calendar date in Asia/Shanghai. */
export function shanghaiToday(now: Date = new Date()): string {
  return shanghaiDate(now);
}
