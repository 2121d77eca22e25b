/**
 * Intent parser for member/rep/officer chat messages (RULES §11, issue #16). Pure, no I/O beyond loading the
 * model once.
 *
 * 1. Commands whose slots must be exact (代绑, 已支付 12,13, 已批未付, 发布通知, a short 取消, a bare answer) are
 *    recognised by rules (nlu/commands.ts).
 * 2. Everything else goes to a trained classifier (nlu/: logistic regression over character and pinyin n-grams of
 *    the matching key, trained from test/fixtures/corpus/train.jsonl by `npm run nlu:train`). When the person's
 *    roles are given, intents they cannot use (待审批 for a worker) are left out before the best is taken, unless
 *    the classifier is sure of it: then the flow explains who may use it.
 * 3. Slots (money, dates, claim number, policy topic, announcement text) are read independently of the intent,
 *    from the text folded one-to-one, so they cut the original at the same place.
 *
 * `confidence` is the chosen intent's probability; below CLARIFY_BELOW the bot asks which one was meant, offering
 * `alternatives`, instead of guessing.
 */
import { type CommandHit, command, announceText as cutAnnouncement, type ProxyBind } from './nlu/commands.js';
import { featureIds } from './nlu/features.js';
import { loadClassifier } from './nlu/load.js';
import type { Classifier } from './nlu/model.js';
import { type PolicyTopic, policyTopic } from './nlu/topics.js';
import { fold, MAX_SLOT_SCAN, matchKey } from './normalise.js';
import { scanDates } from './slots/dates.js';
import { scanMoney } from './slots/money.js';

export const INTENTS = [
  'status',
  'enrol',
  'claim',
  'claim_status',
  'estimate',
  'policy_question',
  'ranking',
  'unit_progress',
  'missing_members',
  'deadlines',
  'pending_approvals',
  'approved_unpaid',
  'mark_paid',
  'announce',
  'proxy_bind',
  'help',
  'capabilities',
  'thanks',
  'cancel',
  'unknown',
] as const;
export type Intent = (typeof INTENTS)[number];

/** Below this probability the bot asks which intent was meant (see bot.ts and nlu/clarify.ts). */
export const CLARIFY_BELOW = 0.5;

export type Role = 'rep' | 'officer' | 'centre' | 'admin';

/** Who may use an intent; an intent absent here is for everyone. */
const NEEDS_ROLE: Partial<Record<Intent, readonly Role[]>> = {
  announce: ['officer', 'admin'],
  pending_approvals: ['officer', 'centre'],
  approved_unpaid: ['officer'],
  mark_paid: ['officer'],
  unit_progress: ['rep', 'officer'],
  missing_members: ['rep', 'officer'],
  proxy_bind: ['rep'],
};

export interface Slots {
  /** the first amount in fen */
  amountFen?: number;
  /** all amounts found, fen, in order */
  amounts?: number[];
  /** the first date, 'YYYY-MM-DD' (Asia/Shanghai) */
  date?: string;
  /** all dates, in order */
  dates?: string[];
  /** for 发布通知 …: the original text after the command (trimmed); absent when nothing follows */
  announceText?: string;
  /** a claim number: '#12', '12号申请', '第7号', '申请单35' → '12' / '7' / '35' */
  claimRef?: string;
  /** true when a negative amount (-500, 负500) was seen; it is not in `amounts` */
  negativeAmount?: boolean;
  /** policy_question: which part of the policy answers it */
  topic?: PolicyTopic;
  /** proxy_bind: 代绑 <userid> <姓名> <后4位> */
  proxy?: ProxyBind;
  /** mark_paid: the claim numbers, or every approved claim of the office */
  paid?: number[] | 'all';
}

export interface ParsedIntent {
  intent: Intent;
  slots: Slots;
  /** the probability of `intent` (1 for a rule) */
  confidence: number;
  /** the next most likely intents with their probabilities, best first (empty for a rule) */
  alternatives: { intent: Intent; p: number }[];
  /** whether a rule or the classifier decided */
  by: 'rule' | 'model';
}

export interface ParseOptions {
  now?: Date;
  /** the person's roles; when given, intents they may not use are not chosen by the classifier */
  roles?: readonly string[];
}

function allowed(intent: Intent, roles: readonly string[] | undefined): boolean {
  const need = NEEDS_ROLE[intent];
  return !need || !roles || need.some((r) => roles.includes(r));
}

interface Decision {
  intent: Intent;
  confidence: number;
  alternatives: { intent: Intent; p: number }[];
  by: 'rule' | 'model';
  hit: CommandHit | null;
}

// Taking "am I enrolled?" for "enrol me" tells a member the wrong thing about their cover, so a question about a
// state already reached (参加了吗, 是否已参保, 有没有交, 参没参加) is never an enrolment, whatever the model says,
// unless the person also says they want or are able to (我要, 想, 能, 怎么).
const ASKS_STATE =
  /(?:了|过|上|好)(?:吗|没|没有|不|么|伐|咩|马|嘛)|是否|有没有|是不是|在不在|名单(?:上|里|中)|已经?[参报交续缴入]|([参报交续缴入])(?:没|不)\1/;
const WANTS = /想|要|能|可以|怎么|如何|咋|愿意|同意|帮我(?:报|办|登记|续)|给我(?:报|登记|续)/;

/** the policy topics that are figures of the policy (起付线, 封顶, 比例), answered without the person's amounts */
const FIGURE_TOPICS = new Set<PolicyTopic>(['threshold', 'cap', 'ratio']);
const NUMBER_IN_KEY = /\d|[一二两三四五六七八九十百千]+[万千百块元]|[一二两三四五六七八九十]万/;

const PROGRAMME_WORD = /参|保|互助|补助|报|申请|住院|出院|审|批|单位|名单|截止|通知|进度|排名|交钱|缴|续|理赔|材料/;
const THANKS_WORD = /谢|感|辛苦|好的|收到|明白|知道|了解|ok|thx|thanks|3q/;

/**
 * The classifier's decisions, kept by the person's roles and the text (issue #17): the same few questions (我参加了吗,
 * 排名, 截止日期) come again and again, and their features and scores were the largest share of a question's own CPU.
 * A decision is a pure function of the two (the model is loaded once); kept frozen, least recently used dropped.
 */
const decided = new Map<string, Decision>();
const DECIDED_KEPT = 2_000;
const DECIDED_MAX_TEXT = 200;

function decide(text: string, roles: readonly string[] | undefined, model?: Classifier): Decision {
  const hit = command(text);
  if (hit) return { intent: hit.intent, confidence: 1, alternatives: [], by: 'rule', hit };
  // (a model given by the caller, the cross-validation's, is never kept)
  const key = model || text.length > DECIDED_MAX_TEXT ? null : `${roles ? roles.join(',') : '*'}\u0000${text}`;
  const kept = key === null ? undefined : decided.get(key);
  if (key !== null && kept) {
    decided.delete(key);
    decided.set(key, kept);
    return kept;
  }
  const d = decideByModel(text, roles, model);
  if (key !== null) {
    if (decided.size >= DECIDED_KEPT) {
      const oldest = decided.keys().next();
      if (!oldest.done) decided.delete(oldest.value);
    }
    for (const a of d.alternatives) Object.freeze(a);
    Object.freeze(d.alternatives);
    decided.set(key, Object.freeze(d));
  }
  return d;
}

function decideByModel(text: string, roles: readonly string[] | undefined, model?: Classifier): Decision {
  const all = (model ?? loadClassifier()).rank(featureIds(text));
  // A clear request for something the person may not use is kept, so its flow can say who may (仅限…); an unsure
  // one is not chosen over what the person can use.
  const top = all[0];
  const ranked =
    top && top.p >= CLARIFY_BELOW && !allowed(top.label as Intent, roles)
      ? all
      : all.filter((s) => allowed(s.label as Intent, roles));
  // Thanks are short, so a short message about the programme (交钱, 名单, 互助) can look like one to the model; a
  // message naming the programme's things without a word of thanks is not taken for thanks.
  if (ranked[0]?.label === 'thanks') {
    const key = matchKey(text);
    if (PROGRAMME_WORD.test(key) && !THANKS_WORD.test(key)) ranked.shift();
  }
  const total = ranked.reduce((s, r) => s + r.p, 0) || 1; // renormalised over what this person may use
  const [best, ...rest] = ranked.map((r) => ({ intent: r.label as Intent, p: r.p / total }));
  if (!best) return { intent: 'unknown', confidence: 0, alternatives: [], by: 'model', hit: null };
  if (best.intent === 'enrol') {
    const key = matchKey(text);
    if (ASKS_STATE.test(key) && !WANTS.test(key)) {
      const status = rest.find((r) => r.intent === 'status');
      return { intent: 'status', confidence: status?.p ?? 0, alternatives: [best], by: 'rule', hit: null };
    }
  }
  // 封顶多少, 起付线, 按几成报: a question about the policy's own figures, with no amount of the person's, is a
  // rules question however close it reads to 能报多少 or to a claim; with an amount it stays the estimate
  if (best.intent === 'estimate' || best.intent === 'claim' || best.intent === 'unknown') {
    const key = matchKey(text);
    const topic = policyTopic(key);
    if (topic && FIGURE_TOPICS.has(topic) && !NUMBER_IN_KEY.test(key)) {
      const policy = rest.find((r) => r.intent === 'policy_question');
      return { intent: 'policy_question', confidence: policy?.p ?? 0, alternatives: [best], by: 'rule', hit: null };
    }
  }
  return { intent: best.intent, confidence: best.p, alternatives: rest.slice(0, 3), by: 'model', hit: null };
}

/** The intent only (no slots), for callers and benches that do not need slots. */
export function classify(text: string, roles?: readonly string[]): Intent {
  return decide(text, roles).intent;
}

/** The same decision (rules, guards, roles) with another model: cross-validation (nlu/cv-cli.ts) scores its folds so. */
export function classifyWith(model: Classifier, text: string, roles?: readonly string[]): Intent {
  return decide(text, roles, model).intent;
}

// ---- slots -----------------------------------------------------------------------------------------------

const CLAIM_REF =
  /#\s*(\d{1,9})(?!\d)|第\s*(\d{1,9})\s*号|(?<!\d)(\d{1,9})\s*号\s*(?:申请|补助|理赔|报销|单)|(?:申请单|申请号|编号|单号|申请)\s*(?:号|#)?\s*(\d{1,9})(?!\d)(?!\s*[元块万千百号日月年.,])/;

function blank(s: string, index: number, length: number): string {
  return s.slice(0, index) + ' '.repeat(length) + s.slice(index + length);
}

function extractSlots(text: string, d: Decision, now: Date): Slots {
  const slots: Slots = {};
  const { intent, hit } = d;
  if (hit?.intent === 'proxy_bind') return { proxy: hit.proxy };
  if (hit?.intent === 'mark_paid') return { paid: hit.paid };
  if (intent === 'announce') {
    const body = cutAnnouncement(text);
    if (body !== undefined) slots.announceText = body;
    return slots; // an announcement's own dates and amounts are not slots of the command
  }
  if (intent === 'policy_question') {
    const topic = policyTopic(matchKey(text));
    if (topic) slots.topic = topic;
  }
  let s = fold(text.length > MAX_SLOT_SCAN ? text.slice(0, MAX_SLOT_SCAN) : text);
  if (!/[\d一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾昨今前天周期拜]/.test(s)) return slots;

  const ref = CLAIM_REF.exec(s);
  if (ref) {
    slots.claimRef = ref[1] ?? ref[2] ?? ref[3] ?? ref[4];
    s = blank(s, ref.index, ref[0].length);
  }
  const dates = scanDates(s, now);
  if (dates.length > 0) {
    slots.dates = dates.map((x) => x.date);
    slots.date = slots.dates[0];
    for (const x of dates) s = blank(s, x.index, x.length);
  }
  const money = scanMoney(s);
  if (money.length > 0) {
    const amounts = money.filter((m) => !m.negative).map((m) => m.fen);
    if (amounts.length > 0) {
      slots.amounts = amounts;
      slots.amountFen = amounts[0];
    }
    if (money.some((m) => m.negative)) slots.negativeAmount = true;
  }
  return slots;
}

/**
 * Classify a chat message and extract its slots. `now` (default: the current time) anchors relative dates
 * (昨天, 上周五, 3月5日 without a year) in Asia/Shanghai.
 */
export function parseIntent(text: string, opts?: ParseOptions): ParsedIntent {
  const d = decide(text, opts?.roles);
  return {
    intent: d.intent,
    slots: extractSlots(text, d, opts?.now ?? new Date()),
    confidence: d.confidence,
    alternatives: d.alternatives,
    by: d.by,
  };
}

/**
 * Loads the model and fills the OpenCC and pinyin caches (a few hundred ms once per process), so the first
 * person to write does not wait for it. Called when the bot is created.
 */
export function warmUp(): void {
  parseIntent('请问我參加了吗，能报多少');
}
