/**
 * Row locks for decisions that read a member's claims and then write one (the cap): on PostgreSQL the member's
 * row is locked FOR UPDATE until the transaction ends, so two approvals of the same member's claims run one after
 * the other. SQLite needs nothing: the adapter runs one transaction at a time on its single connection, and a
 * second process would wait on the database's write lock.
 */

import { providerOfDb } from '../db/bulk.js';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/sqlite/client.js';

export async function lockMember(db: Db, tx: Prisma.TransactionClient, memberId: number): Promise<void> {
  if (providerOfDb(db) !== 'postgresql') return;
  await tx.$queryRaw`SELECT "id" FROM "Member" WHERE "id" = ${memberId} FOR UPDATE`;
}
