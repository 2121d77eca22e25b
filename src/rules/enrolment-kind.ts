/**
 * How a member takes part in a period (`Enrolment.kind`, a String column): 新参 (new), 续互 (renewal), or on the
 * roster without taking part (none, seed 003). Reads from the store are parsed here, so a stray value is caught
 * where it is read, not as a wrong fee or count later.
 */
import { z } from 'zod';

export const EnrolmentKind = z.enum(['new', 'renewal', 'none']);
export type EnrolmentKind = z.infer<typeof EnrolmentKind>;
/** an enrolment that takes part (pays a fee) */
export type ParticipatingKind = Exclude<EnrolmentKind, 'none'>;

export function parseEnrolmentKind(s: string): EnrolmentKind {
  const r = EnrolmentKind.safeParse(s);
  if (!r.success) throw new Error(`unknown enrolment kind ${JSON.stringify(s)}`);
  return r.data;
}
