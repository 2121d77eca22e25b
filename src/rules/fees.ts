import type { Policy } from './policy.js';

export interface Fee {
  feeFen: number;
  kind: 'new' | 'renewal';
  label: '新参' | '续互';
}

/**
 * The period's fee: renewal (续互) for a member of the previous period, new (新参) otherwise.
 * Seed 002 (Yunnan 14th) 120 / 150 元; seed 003 (Yunnan 12th) 80 / 100 元.
 */
export function feeFor(policy: Policy, m: { participatedLastPeriod: boolean }): Fee {
  return m.participatedLastPeriod
    ? { feeFen: policy.fees.renewalFen, kind: 'renewal', label: '续互' }
    : { feeFen: policy.fees.newFen, kind: 'new', label: '新参' };
}
