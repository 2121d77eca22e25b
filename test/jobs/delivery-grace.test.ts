/**
 * The delivery sweep leaves a planned row alone for its grace period (the planner is enqueueing it): rows inserted
 * by planDeliveries' raw SQL must compare by time like rows Prisma writes, on SQLite as on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDeliveries, unqueuedKeys } from '../../src/jobs/deliveries.js';
import { freshDb, providers, type TestDb } from '../support/db.js';

describe.each(providers)('delivery sweep grace period on %s', (provider) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(provider);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('a row just planned is not older than a minute ago, and is older than a second from now', async () => {
    const before = new Date(Math.floor(Date.now() / 1000) * 1000);
    const [key] = await planDeliveries(t.db, [
      {
        key: 'grace:1',
        kind: 'notice',
        platform: 'wecom',
        recipient: { userIds: ['u1'] },
        message: { kind: 'text', text: 'x' },
      },
    ]);
    const after = new Date(Date.now() + 1_000);
    expect(key).toBe('grace:1');
    expect(await unqueuedKeys(t.db, new Date(before.getTime() - 60_000))).not.toContain('grace:1');
    expect(await unqueuedKeys(t.db, after)).toContain('grace:1');
    // the stored insert time is the moment of the insert (between before and after), not SQLite's text default
    const row = await t.db.delivery.findUniqueOrThrow({ where: { key: 'grace:1' } });
    expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(row.createdAt.getTime()).toBeLessThanOrEqual(after.getTime());
  });
});
