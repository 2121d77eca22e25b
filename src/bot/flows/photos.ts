/**
 * A photo a worker sends for a claim (the form or a 补充) is downloaded once, as it arrives, and its bytes kept
 * (src/services/claim-documents.ts): the platform keeps it only a few days, officers open it later. A photo above
 * the cap is refused politely and not added; a download that fails leaves the photo in the form (its reference
 * is what the claim stores) and is tried again at submission, after which the link falls back to the platform.
 */
import { FileTooLargeError, type OutboundMessage } from '../../core/messages.js';
import { MAX_PHOTO_BYTES } from '../../services/claim-documents.js';
import type { Turn } from '../context.js';

export type PhotoArrival = { ok: true } | { ok: false; reply: OutboundMessage };

async function fetchAndKeep(t: Turn, mediaId: string): Promise<void> {
  const fetch = t.deps.fetchMedia;
  if (!fetch) return;
  const { bytes } = await fetch(t.msg.platform, mediaId, MAX_PHOTO_BYTES);
  await t.deps.services.claimDocuments.keepPhoto({ platform: t.msg.platform, mediaId }, bytes, t.deps.now());
}

/** Keeps the photo of the message in hand; a refusal to answer when it is above the cap. */
export async function keepArrivedPhoto(t: Turn, mediaId: string): Promise<PhotoArrival> {
  try {
    await fetchAndKeep(t, mediaId);
  } catch (e) {
    if (e instanceof FileTooLargeError)
      return { ok: false, reply: t.say('claim_photo_too_large', { max_mb: MAX_PHOTO_BYTES / 1024 / 1024 }) };
    t.deps.log.warn({ err: e, platform: t.msg.platform }, 'a claim photo could not be kept: tried again at submission');
  }
  return { ok: true };
}

/** Before a submission: the form's photos whose download failed on arrival, tried once more (never refuses). */
export async function keepMissingPhotos(t: Turn, mediaIds: string[]): Promise<void> {
  if (!t.deps.fetchMedia || !mediaIds.length) return;
  const kept = await t.deps.services.claimDocuments.keptPhotos(
    mediaIds.map((mediaId) => ({ platform: t.msg.platform, mediaId })),
  );
  for (const mediaId of mediaIds.filter((id) => !kept.some((k) => k.mediaId === id))) {
    try {
      await fetchAndKeep(t, mediaId);
    } catch (e) {
      t.deps.log.warn(
        { err: e, platform: t.msg.platform },
        'a claim photo could not be kept: served from the platform',
      );
    }
  }
}
