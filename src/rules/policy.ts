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

/**
 * One band of the subsidy table (分段比例), as the notices print it: bounds are absolute amounts of the counted
 * money of one hospital stay (the self-paid part under 先自付), NOT amounts above the deductible.
 * The table starts at 0 and is contiguous; the deductible (补助起点/起付线) is applied on top of it: the part of
 * any band below the deductible earns nothing. So the Hainan 4th-period table "1 000–5 000 元 50 %,
 * 5 000–10 000 元 60 %, above 10 000 元 70 %" is `[{0, 500000, 5000}, {500000, 1000000, 6000},
 * {1000000, null, 7000}]` with `deductibleFen: 100000`, and a change of the deductible alone (Yunnan 14th:
 * "补助起点调整为 800 元，补助分段比例…不变", seed 002) leaves the table untouched.
 * A band covers (fromFen, toFen]: an amount of exactly 5 000 元 is in the 50 % band (matters in `whole` mode).
 */
export const SegmentSchema = z.object({
  /** lower bound of the band, in fen of the counted amount (absolute, see above) */
  fromFen: fen,
  /** upper bound; the next band starts here; null = no upper bound (last band only) */
  toFen: fen.nullable(),
  rateBp: bp,
});

export const TimelineEventSchema = z.object({
  /** machine key; well-known keys: mobilisation_start, roster_open, roster_close, remit_deadline,
   * period_start, period_end, claim_cutoff, payout_deadline, report_due, targets_due */
  key: z.string().min(1),
  label: z.string().min(1),
  date: LocalDate,
  /** announced to groups on the days of broadcasts.announceDaysBefore (e.g. T-7/T-3/T-1/T-0); false = listed only */
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
    fees: z.object({
      newFen: fen,
      renewalFen: fen,
      /**
       * Whether an enrolment whose fee is not yet paid counts in 已完成数 (the ranking, the headline). The seeds
       * count a member once the unit has collected the fee ("参加人数和上缴金额一致", seeds 002, 004): false.
       */
      unpaidCounts: z.boolean().default(false),
      /** whether the holder of an unpaid enrolment may claim; the seeds cover members who paid (seed 003): false */
      unpaidMayClaim: z.boolean().default(false),
    }),
    eligibility: z.object({
      requireBasicInsurance: z.boolean(),
      requireCriticalIllnessInsurance: z.boolean(),
      /** members aged >= this may only join if they were in the previous period (Yunnan 21st); null = no rule */
      renewalOnlyFromAge: z.number().int().positive().nullable().default(null),
      /** minimum in-service participation of an organisation's basic-insurance headcount */
      orgParticipationRatioBp: bp,
      /** a stricter ratio for small organisations (Yunnan 21st: 100 % for units of 10 or fewer); null = none */
      smallOrg: z.object({ maxHeadcount: z.number().int().positive(), ratioBp: bp }).nullable().default(null),
    }),
    subsidy: z.object({
      /** per hospital stay (per claim): the counted amount up to here earns nothing */
      deductibleFen: fen,
      /** bands over the counted amount, absolute bounds, from 0, ascending, contiguous (see SegmentSchema) */
      segments: z.array(SegmentSchema).min(1),
      /**
       * banded = each band's rate on the part of the counted amount above the deductible that falls in it
       * (分段累进); whole = the rate of the band holding the counted amount, on the whole amount above the
       * deductible. Each band's subsidy is rounded half-up to 1 分 (see src/rules/subsidy.ts).
       */
      mode: z.enum(['banded', 'whole']),
      /** per member per period (封顶), net of what the member was already paid this period */
      capFen: fen,
      /** only the self-paid part counts (先自付, seed 003); false = total minus basic insurance counts */
      selfPaidOnly: z.boolean(),
      /**
       * "大病段" restriction (seed 003 names it, prints no figure): the counted amount is limited to this ceiling,
       * the part above it being the critical-illness insurance's segment, which the mutual aid does not pay
       * again. null = no such restriction. Every shipped policy leaves it null (no published figure).
       */
      countedCeilingFen: fen.nullable().default(null),
    }),
    claims: z.object({
      /** first day a claim of this period is accepted; null = period start */
      opensOn: LocalDate.nullable().default(null),
      /** last day a claim of this period is accepted */
      cutoffOn: LocalDate,
      /** days after discharge within which a claim must be submitted; null = only the cut-off applies */
      daysAfterDischarge: z.number().int().positive().nullable().default(null),
      crossPeriodAllowed: z.boolean(),
      /**
       * last day a cross-period claim (discharged after the cut-off) is accepted; null = only daysAfterDischarge
       * limits it. Without either, a cross-period claim would stay open for ever.
       */
      crossPeriodUntil: LocalDate.nullable().default(null),
      payoutBy: LocalDate,
      /** subsidy above which a second (centre) approval is needed */
      secondApprovalAboveFen: fen,
      /**
       * A stay the same as, or overlapping, another live claim of the member this period: refused at submission
       * (the seeds pay one claim per stay), or accepted and flagged on the officer's card (重叠住院) for a programme
       * whose officers settle such cases themselves (two hospitals' bills for one stay, a transfer).
       */
      overlappingStays: z.enum(['refuse', 'flag']).default('refuse'),
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
    /** when groups hear about deadlines and reps get the ranking (read by src/jobs) */
    broadcasts: z.object({
      /** announce a timeline event (announce: true) this many days before it; 0 = on the day */
      announceDaysBefore: z.array(z.number().int().min(0)).min(1),
      /** daily ranking push, Asia/Shanghai wall-clock time */
      rankingPushAt: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间应为 HH:MM'),
    }),
    slogans: z.array(z.string().min(1)).default([]),
    /**
     * What the notice says about giving the fee (互助金) back. Absent = the notice says nothing, and the bot says
     * so politely instead of inventing a rule.
     */
    refund: z
      .object({
        /** 'never': 互助金一经缴纳，不再退还 (seed 003); 'silent': the notice says nothing on a member's refund */
        member: z.enum(['never', 'silent']),
        /** units admitted against the entry rules get neither refund nor subsidy (不予退款，不予补助, seed 004) */
        unitBreakingRulesForfeits: z.boolean(),
        /** the notice's own sentence, quoted in the answer; null = nothing to quote */
        quote: z.string().min(1).nullable(),
      })
      .default({ member: 'silent', unitBreakingRulesForfeits: false, quote: null }),
    /**
     * The documents a claim needs (photos of each). null = no list at all: the bot says the notice names none.
     * `fromNotice: false` = the notice prints no list and this is the usual one (RULES §12), which the bot says
     * is to be confirmed with the office.
     */
    materials: z
      .object({
        documents: z.array(z.string().min(1)).min(1),
        /** added for a major illness (重大疾病) */
        majorIllness: z.array(z.string().min(1)),
        fromNotice: z.boolean(),
      })
      .nullable()
      .default(null),
  })
  .superRefine((p, ctx) => {
    if (p.startsOn > p.endsOn)
      ctx.addIssue({ code: 'custom', message: '期次开始日期晚于结束日期', path: ['startsOn'] });
    let prevTo: number | null = 0;
    p.subsidy.segments.forEach((s, i) => {
      if (prevTo === null || s.fromFen !== prevTo)
        ctx.addIssue({ code: 'custom', message: '补助分段必须从 0 起连续递增', path: ['subsidy', 'segments', i] });
      if (s.toFen !== null && s.toFen <= s.fromFen)
        ctx.addIssue({ code: 'custom', message: '分段上限必须大于下限', path: ['subsidy', 'segments', i] });
      prevTo = s.toFen;
    });
    if (p.subsidy.segments.at(-1)?.toFen !== null)
      ctx.addIssue({
        code: 'custom',
        message: '最后一段补助分段不应设上限（toFen 为 null）',
        path: ['subsidy', 'segments'],
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
