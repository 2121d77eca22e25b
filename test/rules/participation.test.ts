/**
 * The entry rules (RULES §4): seed 002's 60 % (Yunnan 14th) and seed 000's 40 % (Hainan) of the region's
 * basic-insurance headcount as the condition for taking in restructured or closed enterprises, read from the shipped
 * policies; seed 004's units in breach. Exact at the boundary, in integers.
 */
import { describe, expect, it } from 'vitest';
import { entryStanding } from '../../src/rules/index.js';
import { policy } from './policies.js';

const unit = { name: '某改制企业工会', restructured: true, entryBreach: false };
const region = (inServiceParticipants: number, insuredHeadcount: number | null) => ({
  name: '某办事处',
  inServiceParticipants,
  insuredHeadcount,
});

describe('entry rules', () => {
  it('seed 002 (Yunnan 14th): a restructured unit only while the region reaches 60 %', () => {
    const p = policy('yunnan-14');
    expect(entryStanding(p, unit, region(600, 1000))).toEqual({ ok: true });
    const below = entryStanding(p, unit, region(599, 1000));
    expect(below).toMatchObject({ ok: false, kind: 'ratio' });
    if (below.ok) throw new Error('unreachable');
    expect(below.reason).toContain('某改制企业工会属改制或关停并转企业');
    expect(below.reason).toContain('某办事处在职职工参加比例为 59.9%，未达到参加基本医疗保险人数的 60%');
    expect(below.reason).toContain('至少需要 600 人，现有 599 人');
  });

  it('seed 000 (Hainan): the ratio relaxed to 40 %', () => {
    const p = policy('hainan-2');
    expect(entryStanding(p, unit, region(400, 1000))).toEqual({ ok: true });
    expect(entryStanding(p, unit, region(399, 1000))).toMatchObject({ ok: false, kind: 'ratio' });
    // what passes in Hainan fails in Yunnan: the number is the policy's, not the code's
    expect(entryStanding(policy('yunnan-14'), unit, region(400, 1000)).ok).toBe(false);
  });

  it('a unit that is not restructured is not measured; a region without a headcount cannot be shown to pass', () => {
    const p = policy('yunnan-14');
    expect(entryStanding(p, { ...unit, restructured: false }, region(0, 1000))).toEqual({ ok: true });
    const unknown = entryStanding(p, unit, region(10, null));
    expect(unknown).toMatchObject({ ok: false, kind: 'ratio' });
    if (!unknown.ok) expect(unknown.reason).toContain('尚未登记参加基本医疗保险人数');
  });

  it('seed 004: a unit found in breach stands in breach whatever the ratio', () => {
    const s = entryStanding(policy('zhangjiakou-14'), { ...unit, restructured: false, entryBreach: true }, null);
    expect(s).toEqual({ ok: false, kind: 'breach', reason: '某改制企业工会经核查不符合参加互助活动的入口规定。' });
  });
});
