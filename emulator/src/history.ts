/**
 * A conversation's whole history in the browser's localStorage, so a page reload (or a server restart, whose
 * platform servers forget what they sent) keeps everything the person saw: the bot's messages with the server
 * process (boot) and seq they came with, and the person's own messages and clicks with their delivery state.
 * Storage is best effort: a full quota drops the oldest entries, large photos are kept as a note.
 */
import type { ApiMessage } from './api.js';

export type Entry =
  | { t: 'in'; boot: string; msg: ApiMessage }
  | { t: 'out'; kind: 'text'; text: string; state: 'delivered' | 'failed' }
  | { t: 'out'; kind: 'image'; dataUrl: string | null; state: 'delivered' | 'failed' }
  | { t: 'out'; kind: 'click'; text: string; state: 'delivered' | 'failed' }
  /** a file's bytes are not kept: the bubble shows its name, and a failed one is sent again from the picker */
  | { t: 'out'; kind: 'file'; name: string; state: 'delivered' | 'failed' };

const PREFIX = 'huzhu-emulator:v1:';
const MAX_ENTRIES = 400;
/** a data URL larger than this is not kept (a phone photo); the bubble then says 照片 */
const MAX_IMAGE_CHARS = 300_000;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export class History {
  private readonly key: string;
  readonly entries: Entry[];

  constructor(platform: string, target: string) {
    this.key = `${PREFIX}${platform}|${target}`;
    this.entries = History.read(this.key);
  }

  private static read(key: string): Entry[] {
    const raw = storage()?.getItem(key);
    if (!raw) return [];
    try {
      const parsed = JSON.parse(raw) as unknown;
      return Array.isArray(parsed) ? (parsed as Entry[]).filter((e) => e && (e.t === 'in' || e.t === 'out')) : [];
    } catch {
      return [];
    }
  }

  /** adds an entry and returns it (the caller changes its state later, then calls save) */
  add<E extends Entry>(e: E): E {
    if (e.t === 'in' && e.msg.imageDataUrl && e.msg.imageDataUrl.length > MAX_IMAGE_CHARS)
      e = { ...e, msg: { ...e.msg, imageDataUrl: undefined, text: '［图片］' } };
    if (e.t === 'out' && e.kind === 'image' && e.dataUrl && e.dataUrl.length > MAX_IMAGE_CHARS)
      e = { ...e, dataUrl: null };
    this.entries.push(e);
    this.save();
    return e;
  }

  /** a card updated in place: its stored copy too */
  replaceCard(msg: ApiMessage): void {
    const i = this.entries.findIndex((e) => e.t === 'in' && e.msg.card?.id === msg.card?.id);
    const old = this.entries[i];
    if (i >= 0 && old?.t === 'in') this.entries[i] = { ...old, msg };
    this.save();
  }

  save(): void {
    const s = storage();
    if (!s) return;
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    for (;;) {
      try {
        s.setItem(this.key, JSON.stringify(this.entries));
        return;
      } catch {
        // over the quota: the oldest half goes, then try again
        if (this.entries.length < 2) return;
        this.entries.splice(0, Math.ceil(this.entries.length / 2));
      }
    }
  }
}
