/**
 * Everything a claim's state change causes beyond the answer to the click or message in hand — the worker's
 * notice, the approval cards for the next level, and the update of every copy of every card — is planned here as
 * Delivery rows inside the transaction of the change, and sent by the job queue (src/jobs/send.ts) with its
 * retries, pacing and dead letters. A crash after the commit loses nothing: the sweep sends the rows still queued.
 * Rows are keyed by the claim's version after the change, so each change plans each message once.
 */
import { z } from 'zod';
import { jsonColumn } from '../core/json-column.js';
import type { Recipient } from '../core/messages.js';
import { insertMany } from '../db/bulk.js';
import type { Provider } from '../db/provider.js';
import type { Prisma } from '../generated/sqlite/client.js';
import { ClaimStatus } from '../rules/index.js';

/** A ClaimCard row's `recipients`: the chat user ids the card was sent to. */
export const CardRecipients = z.array(z.string());

type Tx = Prisma.TransactionClient;

/** What a claim Delivery row holds; rendered when sent, so a card always shows the claim's state at that time. */
export const ClaimMessage = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('claim_notice'),
    claimId: z.number().int(),
    to: ClaimStatus,
    comment: z.string().nullable(),
  }),
  z.object({ kind: z.literal('claim_cards'), claimId: z.number().int(), level: z.number().int() }),
  /** the worker's 已提交 #n: a row, so a crash after the commit still tells them (once) */
  z.object({ kind: z.literal('claim_submitted'), claimId: z.number().int() }),
  z.object({
    kind: z.literal('claim_refresh'),
    claimId: z.number().int(),
    /** the clicked card: WeCom's click carries a one-shot code to update it (and every copy, atall) */
    clicked: z.object({ cardId: z.string(), responseCode: z.string().optional() }).optional(),
  }),
]);
export type ClaimMessage = z.infer<typeof ClaimMessage>;

export const CLAIM_MESSAGE_KINDS = ['claim_notice', 'claim_cards', 'claim_refresh', 'claim_submitted'] as const;

/**
 * Who already saw the clicked card redrawn in the click's own answer (core/messages.ts CardAnswer), kept in the shared
 * store under the refresh row's key: the row then redraws the clicked card for everyone else only. Absent (the
 * process died before the answer left, or the store forgot it) the row redraws every copy, the clicker's too: a
 * redraw shows the same state again, so the worst case is one redundant update, never a missing one.
 */
export const CardAnsweredFor = z.union([z.literal('all'), z.object({ userIds: z.array(z.string()) })]);
export type CardAnsweredFor = z.infer<typeof CardAnsweredFor>;
export const cardAnsweredKey = (deliveryKey: string) => `claim:answered:${deliveryKey}`;
/** the flag outlives any sensible sweep delay; past it, the clicker gets one redundant redraw */
export const CARD_ANSWERED_TTL_MS = 24 * 3_600_000;

export interface ClaimOutboxPlan {
  /** platforms the app sends on */
  platforms: string[];
  /** tell the worker: the status reached, and the officer's words */
  notice?: { to: ClaimStatus; comment: string | null };
  /** confirm a submission to the chat it was made in (the worker's 已提交 #n) */
  submitted?: { platform: string; userId: string };
  /** send the approval cards of this level to its approvers */
  cardsLevel?: number;
  /** redraw every card of the claim in its new state */
  refresh?: boolean;
  clicked?: { platform: string; cardId: string; responseCode?: string };
}

/** Chat user ids, per platform, of the approvers of a level: the office's officers, or the centre. */
async function approverIdsByPlatform(
  tx: Tx,
  officeId: number | null,
  level: number,
  platforms: string[],
): Promise<Map<string, string[]>> {
  const grants = await tx.roleGrant.findMany({
    where: level === 1 ? { role: 'officer', orgId: officeId ?? -1 } : { role: 'centre' },
    select: {
      member: {
        select: { identities: { where: { platform: { in: platforms } }, select: { platform: true, userId: true } } },
      },
    },
  });
  const by = new Map<string, string[]>();
  for (const i of grants.flatMap((g) => g.member.identities)) {
    const ids = by.get(i.platform) ?? [];
    if (!ids.includes(i.userId)) ids.push(i.userId);
    by.set(i.platform, ids);
  }
  return by;
}

/** What the plan needs of the claim after its change; a caller that holds it passes it and saves the read. */
export interface PlannedClaim {
  version: number;
  officeId: number | null;
  memberId: number;
}

const RecipientRows = z.array(
  z.object({ what: z.enum(['identity', 'card']), platform: z.string(), value: z.string() }),
);

/**
 * The member's chat ids and the recipients of the claim's cards on these platforms, in one plain statement: an
 * approval click waits on every statement of its transaction, and Prisma's query compiler costs more than SQLite's
 * work here.
 */
async function recipientsOf(
  tx: Tx,
  c: { memberId: number; claimId: number },
  want: { identities: boolean; cards: boolean },
  platforms: string[],
) {
  if (!want.identities && !want.cards) return { identities: [], cards: [] };
  const rows = RecipientRows.parse(
    await tx.$queryRaw`SELECT 'identity' AS "what", "platform", "userId" AS "value" FROM "ChatIdentity"
      WHERE "memberId" = ${want.identities ? c.memberId : -1}
      UNION ALL SELECT 'card' AS "what", "platform", "recipients" AS "value" FROM "ClaimCard"
      WHERE "claimId" = ${want.cards ? c.claimId : -1}`,
  ).filter((r) => platforms.includes(r.platform));
  return {
    identities: rows.filter((r) => r.what === 'identity').map((r) => ({ platform: r.platform, userId: r.value })),
    cards: rows.filter((r) => r.what === 'card').map((r) => ({ platform: r.platform, recipients: r.value })),
  };
}

/**
 * Plans the rows in the caller's transaction; returns their keys (the caller enqueues them after the commit).
 * A handful of queries whatever the platforms: the member's chat ids, the cards sent, the approvers, one insert.
 * Given the database's provider, the rows go in as one plain statement (db/bulk.ts) instead of Prisma's createMany.
 */
export async function planClaimDeliveries(
  tx: Tx,
  claimId: number,
  plan: ClaimOutboxPlan,
  known?: PlannedClaim,
  provider?: Provider,
): Promise<string[]> {
  const c =
    known ??
    (await tx.claim.findUniqueOrThrow({
      where: { id: claimId },
      select: { version: true, officeId: true, memberId: true },
    }));
  const platforms = plan.platforms;
  const [{ identities, cards }, approvers] = await Promise.all([
    recipientsOf(
      tx,
      { memberId: c.memberId, claimId },
      { identities: Boolean(plan.notice), cards: Boolean(plan.refresh) },
      platforms,
    ),
    plan.cardsLevel ? approverIdsByPlatform(tx, c.officeId, plan.cardsLevel, platforms) : new Map<string, string[]>(),
  ]);
  const rows: { key: string; platform: string; recipient: Recipient; message: ClaimMessage }[] = [];
  const base = `claim:${claimId}:v${c.version}`;
  if (plan.submitted)
    rows.push({
      key: `${base}:submitted:${plan.submitted.platform}:${plan.submitted.userId}`,
      platform: plan.submitted.platform,
      recipient: { userIds: [plan.submitted.userId] },
      message: { kind: 'claim_submitted', claimId },
    });
  for (const platform of platforms) {
    if (plan.notice)
      for (const ident of identities.filter((i) => i.platform === platform))
        rows.push({
          key: `${base}:notice:${platform}:${ident.userId}`,
          platform,
          recipient: { userIds: [ident.userId] },
          message: { kind: 'claim_notice', claimId, to: plan.notice.to, comment: plan.notice.comment },
        });
    const mine = cards.filter((x) => x.platform === platform);
    if (plan.refresh && mine.length) {
      const userIds = [
        ...new Set(mine.flatMap((x) => jsonColumn(CardRecipients, x.recipients, 'ClaimCard.recipients'))),
      ];
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
    const userIds = approvers.get(platform) ?? [];
    if (plan.cardsLevel && userIds.length)
      rows.push({
        key: `${base}:cards:l${plan.cardsLevel}:${platform}`,
        platform,
        recipient: { userIds },
        message: { kind: 'claim_cards', claimId, level: plan.cardsLevel },
      });
  }
  const data = rows.map((r) => ({
    key: r.key,
    kind: 'claim',
    platform: r.platform,
    recipient: JSON.stringify(r.recipient),
    content: JSON.stringify(r.message),
  }));
  if (data.length && provider) {
    // the columns Prisma would fill from the schema's defaults, in its own forms (db/bulk.ts writes dates as it does)
    const createdAt = new Date();
    await insertMany(
      tx,
      provider,
      'Delivery',
      data.map((d) => ({ ...d, status: 'queued', attempts: 0, createdAt })),
    );
  } else if (data.length) await tx.delivery.createMany({ data });
  return rows.map((r) => r.key);
}
