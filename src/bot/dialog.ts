/**
 * Conversation state: one key per user and platform in the shared store, with a TTL so an abandoned form fades.
 * Writes go through store.update (atomic), and a turn runs under a per-user lock, so two quick messages are
 * handled one after the other and cannot corrupt the form.
 */

import type { Platform } from '../core/messages.js';
import type { Corrections } from '../services/supplements.js';
import type { KeyValueStore } from '../state/store.js';

export const DIALOG_TTL_MS = 24 * 3_600_000;

export interface ClaimDraft {
  hospital?: string;
  admittedOn?: string;
  dischargedOn?: string;
  totalFen?: number;
  basicInsuranceFen?: number;
  selfPaidFen?: number;
  majorIllness?: boolean;
  photos?: { mediaId: string; url?: string }[];
}

export type SupplementCorrections = Corrections;

export type ClaimStep =
  | 'hospital'
  | 'admitted'
  | 'discharged'
  | 'total'
  | 'basic'
  | 'selfPaid'
  | 'major'
  | 'photos'
  | 'confirm';

export type Dialog =
  /** first: what the person asked before binding started, answered once bound */
  | { flow: 'bind'; step: 'name' | 'last4'; name?: string; first?: string }
  | { flow: 'enrol'; step: 'confirm'; kind: 'new' | 'renewal'; feeFen: number; periodId: number }
  | { flow: 'claim'; step: ClaimStep; draft: ClaimDraft; periodId: number }
  /** a worker adds photos to / corrects fields of their claim #claimId the officer asked material for */
  | {
      flow: 'supplement';
      claimId: number;
      periodId: number;
      corrections: SupplementCorrections;
      photos: { mediaId: string; url?: string }[];
    }
  /** an officer clicked 驳回 or 补材料 on a card: the reason is asked before the decision is made */
  | { flow: 'decision'; claimId: number; decision: 'reject' | 'needs_info'; cardId: string; responseCode?: string };

export function dialogKey(platform: Platform, userId: string): string {
  return `dialog:${platform}:${userId}`;
}

export async function readDialog(store: KeyValueStore, platform: Platform, userId: string): Promise<Dialog | null> {
  const raw = await store.get(dialogKey(platform, userId));
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Dialog;
  } catch {
    return null;
  }
}

export async function writeDialog(
  store: KeyValueStore,
  platform: Platform,
  userId: string,
  d: Dialog | null,
): Promise<void> {
  await store.update(dialogKey(platform, userId), () => (d ? JSON.stringify(d) : null), DIALOG_TTL_MS);
}
