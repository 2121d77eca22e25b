/**
 * Every reply text and card is a data file under templates/ (Liquid), so a union office can reword the bot
 * without touching code: templates/text/<key>.liquid and templates/cards/<key>.json (a card whose strings are
 * Liquid templates).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid, type Template } from 'liquidjs';
import { maskPersonalData } from './log.js';
import type { Card } from './messages.js';
import type { CardTemplateKey, TemplateKey } from './template-keys.js';

export type { CardTemplateKey, TemplateKey } from './template-keys.js';

const defaultDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

function yuan(fen: unknown): string {
  const n = Number(fen);
  if (!Number.isFinite(n)) return '';
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(n));
  const int = Math.floor(abs / 100).toLocaleString('en-US');
  const dec = abs % 100;
  return `${sign}${int}${dec ? `.${String(dec).padStart(2, '0')}` : ''}`;
}

/** rendered texts kept per Templates instance (least recently used dropped first) */
const RENDERED_KEPT = 1_000;
/** variables with more values than this are not kept (nor written out as a key) */
const RENDER_KEY_MAX_VALUES = 400;

/**
 * The key a render is kept under: the template and its variables as JSON; null (not kept) when a variable is not
 * plain data (a Date, a class instance, a function: JSON would not tell two of them apart) or is too large to be
 * worth keeping.
 */
function renderKey(key: string, vars: Record<string, unknown>): string | null {
  let plain = true;
  let json: string;
  let values = 0;
  try {
    json = JSON.stringify(vars, function (this: unknown, k: string, v: unknown) {
      // a large variable is not kept anyway (below): stop writing it out
      if (++values > RENDER_KEY_MAX_VALUES) throw new Error('too large to keep');
      const original = (this as Record<string, unknown>)[k];
      if (typeof original === 'function' || typeof original === 'symbol') plain = false;
      else if (original !== null && typeof original === 'object' && !Array.isArray(original)) {
        const proto = Object.getPrototypeOf(original);
        if (proto !== Object.prototype && proto !== null) plain = false;
      }
      return v;
    });
  } catch {
    return null;
  }
  if (!plain || json.length > 4_096) return null;
  return `${key}\u0000${json}`;
}

export class Templates {
  private readonly engine: Liquid;
  private readonly text = new Map<string, Template[]>();
  private readonly cards = new Map<string, unknown>();

  constructor(private readonly dir = defaultDir) {
    this.engine = new Liquid({ strictVariables: false, strictFilters: true, outputEscape: undefined, cache: true });
    // money is integer fen everywhere; templates show yuan
    this.engine.registerFilter('yuan', yuan);
    // a calendar date 'YYYY-MM-DD' as people write it: 2017年1月1日
    this.engine.registerFilter('date_cn', (d: unknown) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(d ?? ''));
      return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : String(d ?? '');
    });
    this.engine.registerFilter('pct', (bp: unknown) =>
      bp === null || bp === undefined ? '' : `${(Number(bp) / 100).toFixed(Number(bp) % 100 ? 2 : 0)}%`,
    );
  }

  keys(): string[] {
    return fs
      .readdirSync(path.join(this.dir, 'text'))
      .filter((f) => f.endsWith('.liquid'))
      .map((f) => f.replace(/\.liquid$/, ''));
  }

  private parsed(key: string): Template[] {
    let t = this.text.get(key);
    if (!t) {
      const file = path.join(this.dir, 'text', `${key}.liquid`);
      if (!fs.existsSync(file)) throw new Error(`template text/${key}.liquid is missing`);
      t = this.engine.parse(fs.readFileSync(file, 'utf8'));
      this.text.set(key, t);
    }
    return t;
  }

  /**
   * Renders templates/text/<key>.liquid; trailing blank lines trimmed. What people typed is stored as they typed
   * it, but a full ID number or mobile number in it (a phone added to the hospital's name) is masked on the way
   * out, in every reply and card, whoever reads it.
   */
  render(key: TemplateKey, vars: Record<string, unknown> = {}): string {
    const cacheKey = renderKey(key, vars);
    const hit = cacheKey === null ? undefined : this.rendered.get(cacheKey);
    if (hit !== undefined) {
      // most recently used last: the oldest is dropped first
      this.rendered.delete(cacheKey as string);
      this.rendered.set(cacheKey as string, hit);
      return hit;
    }
    const text = maskPersonalData(
      this.engine
        .renderSync(this.parsed(key), vars)
        .replace(/\n{3,}/g, '\n\n')
        .trim(),
    );
    if (cacheKey !== null) {
      if (this.rendered.size >= RENDERED_KEPT) {
        const oldest = this.rendered.keys().next();
        if (!oldest.done) this.rendered.delete(oldest.value);
      }
      this.rendered.set(cacheKey, text);
    }
    return text;
  }

  /**
   * Texts already rendered, by template and variables (issue #17): the same answer is rendered again and again (截止日期,
   * the policy answers, 帮助, a claim form's prompts are the same for everyone on a day), and Liquid's rendering was
   * a tenth of a question's CPU. A render is a pure function of the template and its variables, and the templates are
   * read once per instance, so a kept text is the text a new render would give.
   */
  private readonly rendered = new Map<string, string>();

  /** a card's strings are parsed once: a redraw of every copy of a card renders them again and again */
  private readonly cardParts = new Map<string, Template[]>();

  private cardPart(source: string): Template[] {
    let t = this.cardParts.get(source);
    if (!t) {
      t = this.engine.parse(source);
      this.cardParts.set(source, t);
    }
    return t;
  }

  /** Renders templates/cards/<key>.json: each string inside is a Liquid template. */
  card(key: CardTemplateKey, vars: Record<string, unknown>, extra: Partial<Card> = {}): Card {
    let raw = this.cards.get(key);
    if (!raw) {
      const file = path.join(this.dir, 'cards', `${key}.json`);
      if (!fs.existsSync(file)) throw new Error(`template cards/${key}.json is missing`);
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
      this.cards.set(key, raw);
    }
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return maskPersonalData(this.engine.renderSync(this.cardPart(v), vars).trim());
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    const card = walk(raw) as Card;
    // fields whose value rendered empty are dropped, so a template can list optional lines
    card.fields = (card.fields ?? []).filter((f) => f.value !== '');
    card.buttons = card.buttons ?? [];
    return { ...card, ...extra };
  }
}
