/**
 * What every office file received in chat shares (the admin's desk, admin-files.ts; 对账, reports.ts): the size
 * limit and the name it is shown by.
 */
import { tableFormat } from '../../services/programme/table.js';

/** the largest file taken (WeCom's own limit for a file; a province's set-up file is far smaller) */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

/**
 * The name a file is shown by: as sent, else as downloaded, else 文件 with what its bytes are (a nameless WeCom file).
 * The checks read the bytes for the format and the kind; the name only breaks ties.
 */
export function fileName(sent: string, fetched: string | undefined, bytes: Buffer): string {
  const name = (sent || fetched || '').trim();
  if (name) return name;
  const format = tableFormat(bytes, '');
  return format ? `文件.${format}` : '文件';
}
