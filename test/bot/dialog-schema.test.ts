/**
 * The stored dialog's schema (src/bot/dialog.ts) is the one source of its types, and it agrees with the services
 * it feeds: a supplement's corrections are the services' Corrections (derived from NewClaim), a finished claim draft
 * is a NewClaim but for the member and the photos' platform. What the flows write is read back unchanged.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ClaimDraft,
  type Dialog,
  readDialog,
  type SupplementCorrections,
  writeDialog,
} from '../../src/bot/dialog.js';
import type { NewClaim } from '../../src/services/claims.js';
import type { Corrections } from '../../src/services/supplements.js';
import { createMemoryStore } from '../../src/state/memory.js';

describe('the dialog schema', () => {
  it('types what the services take', () => {
    expectTypeOf<SupplementCorrections>().toEqualTypeOf<Corrections>();
    expectTypeOf<keyof ClaimDraft>().toEqualTypeOf<Exclude<keyof NewClaim, 'memberId'>>();
    expectTypeOf<Required<Omit<ClaimDraft, 'photos'>>>().toEqualTypeOf<Omit<NewClaim, 'memberId' | 'photos'>>();
  });

  it('reads back every flow as written', async () => {
    const store = createMemoryStore();
    const dialogs: Dialog[] = [
      { flow: 'bind', step: 'last4', name: '王小梅', first: '截止日期是哪天' },
      { flow: 'enrol', step: 'confirm', kind: 'renewal', feeFen: 6000, periodId: 2 },
      {
        flow: 'claim',
        step: 'photos',
        periodId: 2,
        draft: {
          hospital: '海南省人民医院',
          admittedOn: '2026-03-01',
          dischargedOn: '2026-03-09',
          totalFen: 3_200_000,
          basicInsuranceFen: 1_800_000,
          selfPaidFen: 1_400_000,
          majorIllness: false,
          photos: [{ mediaId: 'm1', url: 'http://x/1.png' }, { mediaId: 'm2' }],
        },
      },
      { flow: 'supplement', claimId: 7, periodId: 2, corrections: { totalFen: 100, hospital: '三亚' }, photos: [] },
      { flow: 'decision', claimId: 7, decision: 'needs_info', cardId: 'c-7-1', responseCode: 'rc' },
    ];
    for (const d of dialogs) {
      await writeDialog(store, 'wecom', 'u', d);
      expect(await readDialog(store, 'wecom', 'u')).toEqual(d);
    }
  });

  it('drops what is not a dialog: wrong types, a fractional amount, a date in another format, an unknown step', async () => {
    const store = createMemoryStore();
    const bad = [
      { flow: 'enrol', step: 'confirm', kind: 'renewal', feeFen: 60.5, periodId: 2 },
      { flow: 'claim', step: 'total', periodId: 2, draft: { admittedOn: '2026/3/1' } },
      { flow: 'claim', step: 'ward', periodId: 2, draft: {} },
      { flow: 'decision', claimId: '7', decision: 'reject', cardId: 'c' },
      [],
      'dialog',
    ];
    for (const d of bad) {
      await store.set('dialog:wecom:u', JSON.stringify(d), 60_000);
      expect(await readDialog(store, 'wecom', 'u')).toBeNull();
    }
  });
});
