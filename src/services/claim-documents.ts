/**
 * The bytes of a claim's photos, kept by us: a platform keeps a photo a worker sent only a few days (WeCom media
 * 3 days; DingTalk's download codes are not promised for longer), and officers open a claim's documents days or
 * weeks later. The bot downloads each photo once, when it arrives in a claim form or a 补充, and keeps it here
 * (ClaimDocument, by the platform's reference the ClaimAttachment holds); the submission or the supplement ties
 * it to its claim in its own transaction. A photo whose form was abandoned is deleted once the form has surely
 * expired (DIALOG_TTL_MS is a day; kept two).
 */
import crypto from 'node:crypto';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/sqlite/client.js';

type Tx = Prisma.TransactionClient;

/** a photo of a hospital bill is well below this; above it the worker is asked for a smaller one */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

/** a photo kept for a form that was never submitted is deleted after this */
const ORPHAN_TTL_MS = 2 * 24 * 3_600_000;

/** what the bytes are, from their first bytes (the platforms do not say reliably) */
export function contentTypeOf(b: Buffer): string {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return 'application/octet-stream';
}

export interface PhotoRef {
  platform: string;
  mediaId: string;
}

/**
 * Keeps a photo's bytes under its platform reference (the same photo again, a platform's retry, changes nothing),
 * and deletes photos of forms abandoned long ago.
 */
export async function keepPhoto(db: Db, ref: PhotoRef, bytes: Buffer, now: Date): Promise<void> {
  if (bytes.length > MAX_PHOTO_BYTES) throw new RangeError(`photo of ${bytes.length} bytes above the cap`);
  const data = {
    contentType: contentTypeOf(bytes),
    size: bytes.length,
    sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    bytes: new Uint8Array(bytes),
    createdAt: now,
  };
  await db.claimDocument.upsert({
    where: { platform_mediaId: { platform: ref.platform, mediaId: ref.mediaId } },
    create: { ...ref, ...data },
    update: {},
  });
  await db.claimDocument.deleteMany({
    where: { claimId: null, createdAt: { lt: new Date(now.getTime() - ORPHAN_TTL_MS) } },
  });
}

/** Ties the kept photos to their claim, inside the transaction that attaches them (submission, 补充). */
export async function attachKeptPhotos(tx: Tx, claimId: number, photos: PhotoRef[]): Promise<void> {
  if (!photos.length) return;
  await tx.claimDocument.updateMany({
    where: { claimId: null, OR: photos.map((p) => ({ platform: p.platform, mediaId: p.mediaId })) },
    data: { claimId },
  });
}

/** Which of these photos are kept (the rest are fetched again at submission, or served from the platform). */
export async function keptPhotos(db: Db, photos: PhotoRef[]): Promise<PhotoRef[]> {
  if (!photos.length) return [];
  return db.claimDocument.findMany({
    where: { OR: photos.map((p) => ({ platform: p.platform, mediaId: p.mediaId })) },
    select: { platform: true, mediaId: true },
  });
}

export type ClaimDocumentFile =
  /** the bytes we kept */
  | { kind: 'kept'; bytes: Buffer; contentType: string }
  /** not kept (a claim from before we kept photos, or its download failed): the platform's reference */
  | { kind: 'platform'; platform: string; mediaId: string };

/** Document n (1-based, in the order received) of a claim: its kept bytes, else where the platform has it. */
export async function claimDocumentFile(db: Db, claimId: number, n: number): Promise<ClaimDocumentFile | null> {
  if (!Number.isInteger(n) || n < 1) return null;
  const a = await db.claimAttachment.findFirst({
    where: { claimId },
    orderBy: { id: 'asc' },
    skip: n - 1,
    select: { platform: true, mediaId: true },
  });
  if (!a) return null;
  const kept = await db.claimDocument.findUnique({
    where: { platform_mediaId: { platform: a.platform, mediaId: a.mediaId } },
    select: { bytes: true, contentType: true },
  });
  if (kept) return { kind: 'kept', bytes: Buffer.from(kept.bytes), contentType: kept.contentType };
  return { kind: 'platform', platform: a.platform, mediaId: a.mediaId };
}

/** How many documents a claim has (the index page lists them). */
export function claimDocumentCount(db: Db, claimId: number): Promise<number> {
  return db.claimAttachment.count({ where: { claimId } });
}
