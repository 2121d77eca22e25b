/**
 * Conversation state: one key per user and platform in the shared store, with a TTL so an abandoned form fades.
 * A turn runs under a per-user lock, so two quick messages are handled one after the other and cannot corrupt the
 * form; a write replaces the whole value.
 *
 * The shapes are zod schemas and the types are inferred from them: what is read back is parsed, so a value an
 * older version wrote, or a corrupted one, is dropped (the person starts afresh) and logged, never trusted.
 */

import { z } from 'zod';
import type { Log } from '../core/log.js';
import type { Platform } from '../core/messages.js';
import type { KeyValueStore } from '../state/store.js';
import { parseStored } from './stored.js';

export const DIALOG_TTL_MS = 24 * 3_600_000;

const Photo = z.object({ mediaId: z.string(), url: z.string().optional() });
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Fen = z.number().int();

export const ClaimDraft = z.object({
  hospital: z.string().optional(),
  admittedOn: Day.optional(),
  dischargedOn: Day.optional(),
  totalFen: Fen.optional(),
  basicInsuranceFen: Fen.optional(),
  selfPaidFen: Fen.optional(),
  majorIllness: z.boolean().optional(),
  photos: z.array(Photo).optional(),
});
export type ClaimDraft = z.infer<typeof ClaimDraft>;

/** the fields of a claim a worker may correct while supplementing it (services/supplements.ts: Corrections) */
const SupplementCorrections = ClaimDraft.omit({ photos: true });
export type SupplementCorrections = z.infer<typeof SupplementCorrections>;

export const CLAIM_STEPS = [
  'hospital',
  'admitted',
  'discharged',
  'total',
  'basic',
  'selfPaid',
  'major',
  'photos',
  'confirm',
] as const;
export type ClaimStep = (typeof CLAIM_STEPS)[number];

const Id = z.number().int().positive();

export const Dialog = z.discriminatedUnion('flow', [
  /** first: what the person asked before binding started, answered once bound */
  z.object({
    flow: z.literal('bind'),
    step: z.enum(['name', 'last4']),
    name: z.string().optional(),
    first: z.string().optional(),
  }),
  z.object({
    flow: z.literal('enrol'),
    step: z.literal('confirm'),
    kind: z.enum(['new', 'renewal']),
    feeFen: Fen,
    periodId: Id,
  }),
  z.object({ flow: z.literal('claim'), step: z.enum(CLAIM_STEPS), draft: ClaimDraft, periodId: Id }),
  /** a worker adds photos to / corrects fields of their claim #claimId the officer asked material for */
  z.object({
    flow: z.literal('supplement'),
    claimId: Id,
    periodId: Id,
    corrections: SupplementCorrections,
    photos: z.array(Photo),
  }),
  /** an officer clicked 驳回 or 补材料 on a card: the reason is asked before the decision is made */
  z.object({
    flow: z.literal('decision'),
    claimId: Id,
    decision: z.enum(['reject', 'needs_info']),
    cardId: z.string(),
    responseCode: z.string().optional(),
  }),
]);
export type Dialog = z.infer<typeof Dialog>;
export type DialogOf<F extends Dialog['flow']> = Extract<Dialog, { flow: F }>;

export function dialogKey(platform: Platform, userId: string): string {
  return `dialog:${platform}:${userId}`;
}

/** The dialog in progress, or null: none, expired, or a stored value that is not a dialog (logged, then ignored). */
export async function readDialog(
  store: KeyValueStore,
  platform: Platform,
  userId: string,
  log?: Log,
): Promise<Dialog | null> {
  return parseStored(Dialog, await store.get(dialogKey(platform, userId)), 'dialog', log);
}

export async function writeDialog(
  store: KeyValueStore,
  platform: Platform,
  userId: string,
  d: Dialog | null,
): Promise<void> {
  // a plain write, not store.update: the value does not depend on the stored one, and the turn already holds the
  // user's lock (on Redis, update is a WATCH/MULTI/EXEC on one connection that every user's write queued behind)
  const key = dialogKey(platform, userId);
  if (d) await store.set(key, JSON.stringify(d), DIALOG_TTL_MS);
  else await store.del(key);
}
