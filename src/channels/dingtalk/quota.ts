/**
 * The organisation's monthly OpenAPI budget, kept in the shared store so every instance counts into one number:
 * calls per organisation and Asia/Shanghai month, the month's "exhausted" mark (set on ApiCountLimitForOrg), the
 * held messages (a persistent list, sent in order when the month turns or on `huzhu quota flush`), and the
 * admins' notice, given once a month across instances.
 */
import type { Log } from '../../core/log.js';
import { shanghaiDate } from '../../rules/dates.js';
import type { KeyValueStore } from '../../state/store.js';
import { givesWay } from './quota-plan.js';
import type { DingtalkSettings, QuotaClass } from './settings.js';

const MONTH_TTL_MS = 40 * 86_400_000;
const HELD_TTL_MS = 400 * 86_400_000;

export interface QuotaExhaustedEvent {
  org: string;
  month: string;
  used: number;
  held: number;
}

/** A message that could not go out, as it is kept until it can (images as base64). */
export interface HeldItem {
  id: string;
  cls: QuotaClass;
  at: string;
  op: 'send' | 'updateCard';
  /** serialisable Recipient / card ref and OutboundMessage */
  to: unknown;
  msg: unknown;
}

export const monthOf = (now: Date): string => shanghaiDate(now).slice(0, 7);

export class QuotaMeter {
  constructor(
    private readonly store: KeyValueStore,
    readonly org: string,
    private readonly settings: Pick<
      DingtalkSettings,
      'DINGTALK_QUOTA_MONTHLY' | 'DINGTALK_QUOTA_RESERVE' | 'DINGTALK_QUOTA_GIVE_WAY'
    >,
    private readonly now: () => Date,
    private readonly log: Log,
    /** told once a month when the quota runs out (the lead routes it: another platform, mail, …) */
    private readonly onExhausted: (e: QuotaExhaustedEvent) => Promise<void> = async () => {},
  ) {}

  private key(part: string, month = monthOf(this.now())) {
    return `dingtalk:quota:${this.org}:${month}:${part}`;
  }
  private get heldKey() {
    return `dingtalk:held:${this.org}`;
  }

  /** one OpenAPI call made (counted before it leaves: DingTalk counts the attempt) */
  async count(): Promise<number> {
    return this.store.incr(this.key('used'), MONTH_TTL_MS);
  }

  async used(month = monthOf(this.now())): Promise<number> {
    return Number((await this.store.get(this.key('used', month))) ?? 0);
  }

  async exhausted(): Promise<boolean> {
    return (await this.store.get(this.key('exhausted'))) !== null;
  }

  /** whether a message of this class may use a call now */
  async allows(cls: QuotaClass): Promise<boolean> {
    if (await this.exhausted()) return false;
    const remaining = this.settings.DINGTALK_QUOTA_MONTHLY - (await this.used());
    return !givesWay(cls, remaining, this.settings.DINGTALK_QUOTA_RESERVE, this.settings.DINGTALK_QUOTA_GIVE_WAY);
  }

  /** DingTalk said ApiCountLimitForOrg: nothing more this month; the admins hear of it once */
  async markExhausted(): Promise<void> {
    await this.store.set(this.key('exhausted'), '1', MONTH_TTL_MS);
    if (await this.store.setIfAbsent(this.key('notified'), '1', MONTH_TTL_MS)) {
      const event = {
        org: this.org,
        month: monthOf(this.now()),
        used: await this.used(),
        held: (await this.held()).length,
      };
      this.log.error(
        event,
        'dingtalk monthly OpenAPI quota exhausted: sending stops, messages are kept until the month turns',
      );
      try {
        await this.onExhausted(event);
      } catch (e) {
        this.log.error({ err: e }, 'telling the admins about the exhausted quota failed');
      }
    }
  }

  async hold(item: Omit<HeldItem, 'id' | 'at'>): Promise<void> {
    const full: HeldItem = {
      ...item,
      id: `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
      at: this.now().toISOString(),
    };
    await this.store.update(this.heldKey, (cur) => JSON.stringify([...parse(cur), full]), HELD_TTL_MS);
  }

  async held(): Promise<HeldItem[]> {
    return parse(await this.store.get(this.heldKey));
  }

  /** removes the items that went out (by id), keeping any held meanwhile */
  async release(ids: Set<string>): Promise<void> {
    await this.store.update(
      this.heldKey,
      (cur) => {
        const rest = parse(cur).filter((i) => !ids.has(i.id));
        return rest.length ? JSON.stringify(rest) : null;
      },
      HELD_TTL_MS,
    );
  }

  /** runs fn alone across instances (flushes must not send an item twice) */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.store.withLock(`dingtalk:held:${this.org}:lock`, 120_000, fn, 1_000);
  }
}

function parse(v: string | null): HeldItem[] {
  if (!v) return [];
  try {
    const a = JSON.parse(v) as unknown;
    return Array.isArray(a) ? (a as HeldItem[]) : [];
  } catch {
    return [];
  }
}
