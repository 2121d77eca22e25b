import { createHmac } from 'node:crypto';

/**
 * ID numbers are stored as a keyed hash (to find a member again) and their last 4 characters (to show masked);
 * the number itself is never stored. The key is ID_HASH_KEY: without it a hash cannot be reversed by trying
 * the ~10^10 valid numbers of a region.
 */
export function hashIdNumber(key: string, idNumber: string): string {
  return createHmac('sha256', key).update(idNumber.trim().toUpperCase()).digest('hex');
}

export function idLast4(idNumber: string): string {
  return idNumber.trim().toUpperCase().slice(-4);
}
