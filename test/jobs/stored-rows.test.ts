/**
 * What the outbox reads back from its rows is parsed, not cast: a row whose recipient or message no version of the
 * app could send (cut short, edited by hand, an older shape) is set aside as dead with the column and fields named
 * — never their values — and a sound row is claimed with its message as written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDelivery, planDeliveries } from '../../src/jobs/deliveries.js';
import { freshDb, providers, type TestDb } from '../support/db.js';

describe.each(providers)('outbox rows read back on %s', (provider) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(provider);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const plan = (key: string) =>
    planDeliveries(t.db, [
      {
        key,
        kind: 'notice',
        platform: 'wecom',
        recipient: { userIds: ['u1'] },
        message: { kind: 'claim_notice', claimId: 7, to: 'approved', comment: '材料齐全，同意。' },
      },
    ]);

  it('a sound row is claimed with its recipient and message as written', async () => {
    await plan('rows:ok');
    const c = await claimDelivery(t.db, 'rows:ok', new Date());
    expect(c).toMatchObject({
      claimed: true,
      row: {
        recipient: { userIds: ['u1'] },
        message: { kind: 'claim_notice', claimId: 7, to: 'approved', comment: '材料齐全，同意。' },
      },
    });
  });

  it('a message of an unknown shape is a dead letter naming the column and the field, not the text', async () => {
    await plan('rows:shape');
    await t.db.delivery.update({
      where: { key: 'rows:shape' },
      data: { content: JSON.stringify({ kind: 'claim_notice', claimId: '7', to: 'approved', comment: '秘密' }) },
    });
    expect(await claimDelivery(t.db, 'rows:shape', new Date())).toEqual({ claimed: false, reason: 'dead' });
    const row = await t.db.delivery.findUniqueOrThrow({ where: { key: 'rows:shape' } });
    expect(row.status).toBe('dead');
    expect(row.error).toContain('Delivery.content');
    expect(row.error).not.toContain('秘密');
    expect(row.attempts).toBe(0);
  });

  it('a recipient cut short is a dead letter too, and is never sent', async () => {
    await plan('rows:cut');
    await t.db.delivery.update({ where: { key: 'rows:cut' }, data: { recipient: '{"userIds":["u' } });
    expect(await claimDelivery(t.db, 'rows:cut', new Date())).toEqual({ claimed: false, reason: 'dead' });
    const row = await t.db.delivery.findUniqueOrThrow({ where: { key: 'rows:cut' } });
    expect(row.error).toBe('Delivery.recipient: not JSON');
    expect(row.sentAt).toBeNull();
  });
});
