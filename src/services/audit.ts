import type { Db } from '../db/client.js';

type Tx = Pick<Db, 'auditLog'>;

/** Appends to the audit log (the database refuses updates and deletes of it). */
export async function audit(
  db: Tx,
  actor: string,
  action: string,
  subjectType: string,
  subjectId: string | number,
  details?: unknown,
) {
  await db.auditLog.create({
    data: {
      actor,
      action,
      subjectType,
      subjectId: String(subjectId),
      details: details === undefined ? null : JSON.stringify(details),
    },
  });
}
