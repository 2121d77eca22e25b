/**
 * What an XLSX (a zip) says it holds once unpacked, read from its central directory without unpacking anything.
 * A few MB of zip can unpack to GB (a zip bomb); the streaming reader keeps the shared-strings table whole, so the
 * total is checked before reading. Sizes as the archive states them: a lie that is smaller still meets the row
 * limit while streaming.
 */
const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
/** the zip64 marker: a size that does not fit 32 bits (over 4 GB), too large whatever the limit */
const ZIP64 = 0xffffffff;

/** the sum of the entries' uncompressed sizes, or null when the file has no readable zip directory */
export function unpackedSize(zip: Buffer): number | null {
  // the end-of-central-directory record: 22 bytes, then a comment of up to 65 535
  const from = Math.max(0, zip.length - 22 - 65_535);
  let eocd = -1;
  for (let i = zip.length - 22; i >= from; i--)
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0) return null;
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) return null;
    const size = zip.readUInt32LE(at + 24);
    if (size === ZIP64) return Number.POSITIVE_INFINITY;
    total += size;
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return total;
}
