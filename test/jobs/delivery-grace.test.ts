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
    const [key] = await planDeliveries(t.db, [
      {
        key: 'grace:1',
        kind: 'notice',
        platform: 'wecom',
        recipient: { userIds: ['u1'] },
        message: { kind: 'text', text: 'x' },
      },
    ]);
    expect(key).toBe('grace:1');
    expect(await unqueuedKeys(t.db, new Date(Date.now() - 60_000))).not.toContain('grace:1');
    expect(await unqueuedKeys(t.db, new Date(Date.now() + 1_000))).toContain('grace:1');
    const row = await t.db.delivery.findUniqueOrThrow({ where: { key: 'grace:1' } });
    expect(Math.abs(row.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });
});
