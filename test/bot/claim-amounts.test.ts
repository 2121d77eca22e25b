/**
 * The amounts of a hospital stay told in one sentence, each named by the words before it, and a follow-up that
 * changes one of them (src/bot/slots/claim-amounts.ts).
 */
import { describe, expect, it } from 'vitest';
import { countedFen, readAmounts, stayAmounts } from '../../src/bot/slots/claim-amounts.js';
import { must } from '../../src/core/must.js';

describe('readAmounts', () => {
  it('names each amount by the last keyword before it', () => {
    expect(readAmounts('住院花了3万，医保报了1万8，能报多少')).toEqual([
      { kind: 'total', fen: 3_000_000 },
      { kind: 'basic', fen: 1_800_000 },
    ]);
    expect(readAmounts('医保报完还剩8000能补多少')).toEqual([{ kind: 'selfPaid', fen: 800_000 }]);
    expect(readAmounts('那两万呢')).toEqual([{ fen: 2_000_000 }]);
    expect(readAmounts('住院費3萬，統籌報了一萬二')).toEqual([
      { kind: 'total', fen: 3_000_000 },
      { kind: 'basic', fen: 1_200_000 },
    ]);
  });
});

describe('stayAmounts', () => {
  it('works the self-paid part out as total − basic insurance, and says it did', () => {
    expect(stayAmounts('总共花了两万五，统筹报了一万，剩下的能补多少')).toEqual({
      totalFen: 2_500_000,
      basicInsuranceFen: 1_000_000,
      selfPaidFen: 1_500_000,
      selfPaidDerived: true,
      lead: 'total',
    });
    expect(stayAmounts('花了2.5万自费1.3万补多少')).toMatchObject({ totalFen: 2_500_000, selfPaidFen: 1_300_000 });
    expect(stayAmounts('能报多少')).toBeUndefined();
  });

  it('a lone amount named by nothing is the person’s part (what the estimate counts)', () => {
    const a = stayAmounts('8000能报多少');
    expect(a).toEqual({ selfPaidFen: 800_000, lead: 'selfPaid' });
    expect(countedFen(must(a, 'the amounts just checked'))).toBe(800_000);
  });

  it('a follow-up changes only the amount it names, or the one told first', () => {
    const a = stayAmounts('住院花了3万，医保报了1万8');
    expect(stayAmounts('那医保报了2万呢', a)).toMatchObject({ totalFen: 3_000_000, selfPaidFen: 1_000_000 });
    expect(stayAmounts('那两万呢', a)).toMatchObject({ totalFen: 2_000_000, selfPaidFen: 200_000 });
    // basic insurance above the total cannot be: it is dropped, and the self-paid part with it
    expect(stayAmounts('那医保报了4万呢', a)).toEqual({ totalFen: 3_000_000, lead: 'total' });
    // a self-paid part the total and basic cannot hold wins; they will be asked again
    expect(stayAmounts('那自付1万5呢', a)).toEqual({ selfPaidFen: 1_500_000, lead: 'total' });
    // a message with two amounts tells a new stay
    expect(stayAmounts('总共5万，医保报了3万', a)).toMatchObject({ totalFen: 5_000_000, selfPaidFen: 2_000_000 });
    const b = stayAmounts('自付8000能报多少');
    expect(stayAmounts('那两万呢', b)).toEqual({ selfPaidFen: 2_000_000, lead: 'selfPaid' });
  });
});
