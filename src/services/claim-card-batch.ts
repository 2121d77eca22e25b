/**
 * The cards one turn sent (an officer's 待审批: up to 20), recorded in one statement. Recorded one by one, each was
 * a commit of its own: under SQLite's synchronous=FULL an fsync (~4.5 ms on the load bench's disk) that holds the
 * event loop, 20 of them in the officer's turn (issue #17). One INSERT is one commit.
 */
import type { Db } from '../db/client.js';

export interface SentCard {
  claimId: number;
  platform: string;
  cardId: string;
  level: number;
  userIds: string[];
  responseCode?: string;
}

export async function recordCards(db: Db, cards: SentCard[]): Promise<void> {
  if (!cards.length) return;
  await db.claimCard.createMany({
    data: cards.map((c) => ({
      claimId: c.claimId,
      platform: c.platform,
      cardId: c.cardId,
      level: c.level,
      recipients: JSON.stringify(c.userIds),
      responseCode: c.responseCode ?? null,
    })),
  });
}
