import { z } from 'zod';

/**
 * A period's policy: every number the programme may change from one period to the next.
 * Nothing here has a default baked into code: each programme's values live in prisma/policies/*.json.
 * Money is integer 分 (fen); ratios are integer basis points (1 % = 100 bp) so no float touches money.
 */
const fen = z.number().int().nonnegative();
const bp = z.number().int().min(0).max(10_000);
/** A calendar date as printed in a notice, Asia/Shanghai: YYYY-MM-DD. */
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期应为 YYYY-MM-DD');

export const SegmentSchema = z.object({
  /** lower bound of the band, in fen of counted amount (above the deductible is expressed by the band itself) */
  fromFen: fen,
  /** upper bound (exclusive of what the next band takes); null = no upper bound */
  toFen: fen.nullable(),
  rateBp: bp,
});

export const TimelineEventSchema = z.object({
  /** machine key; well-known keys: mobilisation_start, roster_open, roster_close, remit_deadline,
   * period_start, period_end, claim_cutoff, payout_deadline, report_due, targets_due */
  key: z.string().min(1),
  label: z.string().min(1),
  date: LocalDate,
  /** announced to groups at T-7/T-3/T-1/T-0 */
  announce: z.boolean().default(true),
});

export const PolicySchema = z
  .object({
    programme: z.string().min(1),
    periodName: z.string().min(1),
    /** seed file(s) the figures come from; values not in any seed are listed in `defaults` */
    sources: z.array(z.string()).default([]),
    /** names of fields whose values are [policy default]s, not printed in the notices */
    defaults: z.array(z.string()).default([]),
    startsOn: LocalDate,
    endsOn: LocalDate,
    fees: z.object({ newFen: fen, renewalFen: fen }),
    eligibility: z.object({
      requireBasicInsurance: z.boolean(),
      requireCriticalIllnessInsurance: z.boolean(),
      /** members aged >= this may only join if they were in the previous period (Yunnan 21st); null = no rule */
      renewalOnlyFromAge: z.number().int().positive().nullable().default(null),
      /** minimum in-service participation of an organisation's basic-insurance headcount */
      orgParticipationRatioBp: bp,
    }),
    subsidy: z.object({
      deductibleFen: fen,
      /** bands over the counted (self-paid) amount, ascending, contiguous */
      segments: z.array(SegmentSchema).min(1),
      /** banded = each rate on its band only (分段累进); whole = the rate of the top band on the whole amount */
      mode: z.enum(['banded', 'whole']),
      capFen: fen,
      /** only the self-paid part counts (先自付) */
      selfPaidOnly: z.boolean(),
    }),
    claims: z.object({
      /** first day a claim of this period is accepted; null = period start */
      opensOn: LocalDate.nullable().default(null),
      /** last day a claim of this period is accepted */
      cutoffOn: LocalDate,
      /** days after discharge within which a claim must be submitted; null = only the cut-off applies */
      daysAfterDischarge: z.number().int().positive().nullable().default(null),
      crossPeriodAllowed: z.boolean(),
      payoutBy: LocalDate,
      /** subsidy above which a second (centre) approval is needed */
      secondApprovalAboveFen: fen,
    }),
    targets: z.object({
      /** headline participants target of the programme; null = none published */
      participants: z.number().int().positive().nullable(),
      /** RULES §7 claim targets: persons ratio and amount ratio of the base, fee per person of the base amount */
      claimPersonsRatioBp: bp,
      claimAmountRatioBp: bp,
      claimFeePerPersonFen: fen,
    }),
    timeline: z.array(TimelineEventSchema),
    slogans: z.array(z.string().min(1)).default([]),
  })
  .superRefine((p, ctx) => {
    if (p.startsOn > p.endsOn) ctx.addIssue({ code: 'custom', message: '期次开始日期晚于结束日期', path: ['startsOn'] });
    let prevTo: number | null = 0;
    p.subsidy.segments.forEach((s, i) => {
      if (prevTo === null || s.fromFen !== prevTo)
        ctx.addIssue({ code: 'custom', message: '补助分段必须从 0 起连续递增', path: ['subsidy', 'segments', i] });
      if (s.toFen !== null && s.toFen <= s.fromFen)
        ctx.addIssue({ code: 'custom', message: '分段上限必须大于下限', path: ['subsidy', 'segments', i] });
      prevTo = s.toFen;
    });
    if (p.claims.payoutBy < p.claims.cutoffOn)
      ctx.addIssue({ code: 'custom', message: '支付截止日早于受理截止日', path: ['claims', 'payoutBy'] });
  });

export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;
export type Segment = z.infer<typeof SegmentSchema>;
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

export function parsePolicy(input: unknown): Policy {
  return PolicySchema.parse(input);
}
