/**
 * When the classifier is unsure, the bot asks one short question with numbered choices instead of guessing
 * (您是想：1 查询是否已参加 2 报名参加). The choices and the original message wait in the shared store for a few
 * minutes; a reply of "1"/"2"/"3" picks one, anything else drops the question and is read afresh.
 * The stored value is read back with zod: a stale or foreign value is ignored, never trusted.
 */
import { z } from 'zod';
import type { Log } from '../../core/log.js';
import type { Platform } from '../../core/messages.js';
import { must } from '../../core/must.js';
import type { KeyValueStore } from '../../state/store.js';
import { CLARIFY_BELOW, INTENTS, type Intent, type ParsedIntent } from '../intent.js';
import { fold } from '../normalise.js';
import { parseStored } from '../stored.js';

export const CLARIFY_TTL_MS = 10 * 60_000;
/** an alternative this unlikely is not worth offering */
const OFFER_FROM = 0.08;
const MAX_CHOICES = 3;

const Pending = z.object({
  options: z.array(z.enum(INTENTS)).min(1).max(MAX_CHOICES),
  /** the message that was unclear, as typed (its slots are read again when a choice is picked) */
  text: z.string(),
});
export type PendingClarify = z.infer<typeof Pending>;

const key = (platform: Platform, userId: string) => `clarify:${platform}:${userId}`;

export async function readClarify(store: KeyValueStore, platform: Platform, userId: string, log?: Log) {
  return parseStored(Pending, await store.get(key(platform, userId)), 'clarify', log);
}

export async function writeClarify(
  store: KeyValueStore,
  platform: Platform,
  userId: string,
  c: PendingClarify | null,
): Promise<void> {
  if (c) await store.set(key(platform, userId), JSON.stringify(c), CLARIFY_TTL_MS);
  else await store.del(key(platform, userId));
}

/** Intents never offered as a choice: they are not something a person asks for. */
const NOT_A_CHOICE = new Set<Intent>(['unknown', 'thanks', 'cancel']);

/** The choices to offer for an unsure parse, best first; empty when the parse is sure enough or nothing fits. */
export function choicesFor(p: ParsedIntent): Intent[] {
  if (p.by === 'rule' || p.confidence >= CLARIFY_BELOW) return [];
  const all = [{ intent: p.intent, p: p.confidence }, ...p.alternatives];
  return all
    .filter((a) => a.p >= OFFER_FROM && !NOT_A_CHOICE.has(a.intent))
    .slice(0, MAX_CHOICES)
    .map((a) => a.intent);
}

const PICK = /^(?:第?([1-3一二三])(?:个|项)?|选?([1-3]))$/;
const CN: Record<string, number> = { 一: 1, 二: 2, 三: 3 };

/** "1", "２", "第二个", "选3" → the 0-based choice; anything else → null. */
export function pickedChoice(text: string, count: number): number | null {
  const m = PICK.exec(fold(text).replace(/\s+/g, ''));
  if (!m) return null;
  const d = must(m[1] ?? m[2], 'PICK has one of its two groups');
  const n = CN[d] ?? Number(d);
  return n >= 1 && n <= count ? n - 1 : null;
}
