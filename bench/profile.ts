import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

/**
 * A CPU profile of this thread over `fn`, written to `<dir>/<phase>.cpuprofile` when `dir` is set (the benches'
 * APPROVALS_PROFILE / LOAD_PROFILE); without it `fn` runs as it is. `intervalUs`: the sampling interval.
 */
export async function profiled<T>(
  dir: string | undefined,
  phase: string,
  fn: () => Promise<T>,
  intervalUs: number,
): Promise<T> {
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${phase}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
