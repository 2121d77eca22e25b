/** Masks for personal data in replies, cards and logs. Characters, not UTF-16 units (names may hold rare Han). */

/** '林海燕' → '林*燕', '王五' → '王*', '欧阳小明' → '欧**明' */
export function maskName(name: string): string {
  const c = Array.from(name.trim());
  if (c.length <= 1) return '*';
  if (c.length === 2) return `${c[0]}*`;
  return `${c[0]}${'*'.repeat(c.length - 2)}${c[c.length - 1]}`;
}

/** Only the last 4 characters stay (what the database keeps too): '**************0023'. */
export function maskIdNumber(id: string): string {
  const s = id.trim();
  if (s.length <= 4) return '*'.repeat(s.length);
  return `${'*'.repeat(s.length - 4)}${s.slice(-4)}`;
}

/** '13812345678' → '138****5678'; anything shorter keeps only its last 2. */
export function maskPhone(phone: string): string {
  const s = phone.replace(/[\s-]/g, '');
  if (s.length >= 11) return `${s.slice(0, 3)}${'*'.repeat(s.length - 7)}${s.slice(-4)}`;
  if (s.length <= 2) return '*'.repeat(s.length);
  return `${'*'.repeat(s.length - 2)}${s.slice(-2)}`;
}
