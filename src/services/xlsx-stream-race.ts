/**
 * exceljs 4.4's streaming WorkbookReader (over unzipper 0.10) now and then loses the workbook part of a valid file
 * and then fails on `this.model.sheets` before it hands out a single worksheet: measured here 4–18 times in 3 000
 * reads of the same file, from a buffer and from a path alike (exceljs issue #962 reports the same TypeError). The
 * file is fine, so the read is tried again; nothing has been read from it yet, so nothing is read twice. Only this
 * one failure is retried: a broken file fails every time and keeps its refusal.
 */
export const XLSX_STREAM_ATTEMPTS = 6;

export function isXlsxStreamRace(e: unknown): boolean {
  return e instanceof TypeError && /reading 'sheets'/.test(e.message);
}
