/**
 * Everything a claim's state change causes beyond the answer to the click or message in hand — the worker's
 * notice, the approval cards for the next level, and the update of every copy of every card — is planned here as
 * Delivery rows inside the transaction of the change, and sent by the job queue (src/jobs/send.ts) with its
 * retries, pacing and dead letters. A crash after the commit loses nothing: the sweep sends the rows still queued.
 * Rows are keyed by the claim's version after the change, so each change plans each message once.
 */
import type { Recipient } from '../core/messages.js';
import type { Prisma } from '../generated/sqlite/client.js';
import type { ClaimStatus } from '../rules/index.js';

type Tx = Prisma.TransactionClient;

/** What a claim Delivery row holds; rendered when sent, so a card always shows the claim's state at that time. */
export type ClaimMessage =
  | { kind: 'claim_notice'; claimId: number; to: ClaimStatus; comment: string | null }
  | { kind: 'claim_cards'; claimId: number; level: number }
  | {
      kind: 'claim_refresh';
      claimId: number;
      /** the clicked card: WeCom's click carries a one-shot code to update it (and every copy, atall) */
      clicked?: { cardId: string; responseCode?: string };
    };

export const CLAIM_MESSAGE_KINDS = ['claim_notice', 'claim_cards', 'claim_refresh'] as const;

export interface ClaimOutboxPlan {
  /** platforms the app sends on */
  platforms: string[];
  /** tell the worker: the status reached, and the officer's words */
  notice?: { to: ClaimStatus; comment: string | null };
  /** send the approval cards of this level to its approvers */
  cardsLevel?: number;
  /** redraw every card of the claim in its new state */
  refresh?: boolean;
  clicked?: { platform: string; cardId: string; responseCode?: string };
}

async function approverIds(tx: Tx, officeId: number | null, level: number, platform: string): Promise<string[]> {
  const grants = await tx.roleGrant.findMany({
    where: level === 1 ? { role: 'officer', orgId: officeId ?? -1 } : { role: 'centre' },
    select: { member: { select: { identities: { where: { platform }, select: { userId: true } } } } },
  });
  return [...new Set(grants.flatMap((g) => g.member.identities.map((i) => i.userId)))];
}

/** Plans the rows in the caller's transaction; returns their keys (the caller enqueues them after the commit). */
export async function planClaimDeliveries(tx: Tx, claimId: number, plan: ClaimOutboxPlan): Promise<string[]> {
  const c = await tx.claim.findUniqueOrThrow({
    where: { id: claimId },
    select: { version: true, officeId: true, member: { select: { identities: true } } },
  });
  const rows: { key: string; platform: string; recipient: Recipient; message: ClaimMessage }[] = [];
  const base = `claim:${claimId}:v${c.version}`;
  for (const platform of plan.platforms) {
    if (plan.notice)
      for (const ident of c.member.identities.filter((i) => i.platform === platform))
        rows.push({
          key: `${base}:notice:${platform}:${ident.userId}`,
          platform,
          recipient: { userIds: [ident.userId] },
          message: { kind: 'claim_notice', claimId, to: plan.notice.to, comment: plan.notice.comment },
        });
    if (plan.refresh) {
      const cards = await tx.claimCard.findMany({ where: { claimId, platform }, select: { recipients: true } });
      if (cards.length) {
        const userIds = [...new Set(cards.flatMap((x) => JSON.parse(x.recipients) as string[]))];
        const clicked =
          plan.clicked?.platform === platform
            ? {
                cardId: plan.clicked.cardId,
                ...(plan.clicked.responseCode ? { responseCode: plan.clicked.responseCode } : {}),
              }
            : undefined;
        rows.push({
          key: `${base}:refresh:${platform}`,
          platform,
          recipient: { userIds },
          message: { kind: 'claim_refresh', claimId, ...(clicked ? { clicked } : {}) },
        });
      }
    }
    if (plan.cardsLevel) {
      const userIds = await approverIds(tx, c.officeId, plan.cardsLevel, platform);
      if (userIds.length)
        rows.push({
          key: `${base}:cards:l${plan.cardsLevel}:${platform}`,
          platform,
          recipient: { userIds },
          message: { kind: 'claim_cards', claimId, level: plan.cardsLevel },
        });
    }
  }
  for (const r of rows)
    await tx.delivery.create({
      data: {
        key: r.key,
        kind: 'claim',
        platform: r.platform,
        recipient: JSON.stringify(r.recipient),
        content: JSON.stringify(r.message),
      },
    });
  return rows.map((r) => r.key);
}
