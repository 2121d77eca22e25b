import { runCli } from '../../src/cli/index.js';

/** Runs the real CLI entry point in-process against a database URL; returns exit code and output. */
export async function cli(url: string, ...argv: string[]) {
  return cliWith({}, url, ...argv);
}

/** The same with more environment (a configured platform, REDIS_URL …). */
export async function cliWith(env: Record<string, string>, url: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    env: { DATABASE_URL: url, LOG_LEVEL: 'silent', ID_HASH_KEY: 'test-id-hash-key-0123456789', ...env },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
