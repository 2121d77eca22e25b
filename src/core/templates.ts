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
    return maskPersonalData(
      this.engine
        .renderSync(this.parsed(key), vars)
        .replace(/\n{3,}/g, '\n\n')
        .trim(),
    );
  }

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
