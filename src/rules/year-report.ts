/**
 * The yearly statistics report of seed 004, attachment 1 (2020年度职工大病医疗互助活动运行情况统计表), RULES §10.
 * Participants and funds count by period (the caller passes the period's enrolments and remittances); aid counts
 * by calendar year, 1 January to the balance day (说明 2: "2020年1月1日至12月30日"); the book balance on the
 * balance day is net of subsidies approved but not yet paid (说明 3).
 */
import type { EnrolmentKind } from './enrolment-kind.js';

export interface ReportEnrolment {
  kind: EnrolmentKind;
  feeFen: number;
  /** unpaid enrolments raise no funds and are not counted; default paid */
  paid?: boolean;
}

export interface ReportMoney {
  date: string;
  amountFen: number;
}

export interface ReportClaim {
  memberId: string | number;
  majorIllness: boolean;
  subsidyFen: number;
  /** day the subsidy was paid; null = not paid */
  paidOn: string | null;
  /** day it was (finally) approved; null = not approved */
  approvedOn: string | null;
}

export interface YearReportInput {
  /** the calendar year of the aid columns */
  year: number;
  /** balance day; default `${year}-12-30` (seed 004) */
  balanceOn?: string;
  /** the period's enrolments */
  enrolments: ReportEnrolment[];
  /** the period's remittances to the city union (上缴市总工会) */
  remittances: ReportMoney[];
  /** amounts the city union returned (回拨), cumulative up to the balance day */
  returns: ReportMoney[];
  claims: ReportClaim[];
  /** the books' balance before this period's money; default 0 */
  openingBalanceFen?: number;
}

export interface YearReport {
  participants: number;
  fundsRaisedFen: number;
  remittedFen: number;
  returnedFen: number;
  aidedPersons: number;
  aidPaidFen: number;
  majorIllnessPersons: number;
  majorIllnessPaidFen: number;
  approvedUnpaidFen: number;
  /** opening + raised − remitted + returned − paid in the year − approved but unpaid, on the balance day */
  balanceFen: number;
  balanceOn: string;
}

export function yearReport(i: YearReportInput): YearReport {
  const from = `${i.year}-01-01`;
  const balanceOn = i.balanceOn ?? `${i.year}-12-30`;
  const inYear = (d: string | null): d is string => d !== null && d >= from && d <= balanceOn;
  const joined = i.enrolments.filter((e) => e.kind !== 'none' && e.paid !== false);
  const fundsRaisedFen = joined.reduce((s, e) => s + e.feeFen, 0);
  const remittedFen = i.remittances.reduce((s, r) => s + r.amountFen, 0);
  const returnedFen = i.returns.filter((r) => r.date <= balanceOn).reduce((s, r) => s + r.amountFen, 0);
  const paid = i.claims.filter((c) => inYear(c.paidOn));
  const major = paid.filter((c) => c.majorIllness);
  const approvedUnpaidFen = i.claims
    .filter((c) => c.approvedOn !== null && c.approvedOn <= balanceOn && (c.paidOn === null || c.paidOn > balanceOn))
    .reduce((s, c) => s + c.subsidyFen, 0);
  const aidPaidFen = paid.reduce((s, c) => s + c.subsidyFen, 0);
  return {
    participants: joined.length,
    fundsRaisedFen,
    remittedFen,
    returnedFen,
    aidedPersons: new Set(paid.map((c) => c.memberId)).size,
    aidPaidFen,
    majorIllnessPersons: new Set(major.map((c) => c.memberId)).size,
    majorIllnessPaidFen: major.reduce((s, c) => s + c.subsidyFen, 0),
    approvedUnpaidFen,
    balanceFen:
      (i.openingBalanceFen ?? 0) + fundsRaisedFen - remittedFen + returnedFen - aidPaidFen - approvedUnpaidFen,
    balanceOn,
  };
}
