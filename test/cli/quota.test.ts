/**
 * `huzhu quota` through the real CLI on the demo federation (seed 000): the metered platform's month, projected
 * from the schedules the database implies, fits the free tier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { freshDatabaseUrl } from '../support/db.js';

describe('huzhu quota (seed 000_323d04b7f63f3eb1.txt demo federation)', () => {
  let db: { url: string; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await freshDatabaseUrl('sqlite');
    expect((await cli(db.url, 'demo', '--today', '2026-03-02')).code).toBe(0);
  });
  afterAll(() => db.drop());

  it('shows calls used and the month projected under the monthly budget', async () => {
    const r = await cli(db.url, 'quota');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/已用 used\s+0 \/ 5000/);
    const need = Number(/计划每月需要 schedules need (\d+)/.exec(r.out)?.[1]);
    expect(need).toBeGreaterThan(0);
    expect(need).toBeLessThan(5000);
  });

  it('flush sends nothing when nothing is held', async () => {
    const r = await cli(db.url, 'quota', 'flush');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sent 0/);
  });
});
