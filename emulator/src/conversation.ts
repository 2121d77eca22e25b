/**
 * One chat as a person sees it on one platform: the 1:1 chat with the bot, or a group chat. It keeps its own DOM
 * (so switching people keeps pending and failed messages), fetches what the bot sent since the last message it
 * has, re-reads open cards to show their updates, and shows the person's own messages with their delivery state.
 * Everything is kept in localStorage (history.ts): a reload shows the whole conversation again, and when the
 * server restarted (another boot id, its seqs start at 1 again) it fetches the new process's messages from the start.
 */
import { type ApiCard, type ApiMessage, type ApiTarget, api, serverBoot } from './api.js';
import { h } from './dom.js';
import { fileBubble } from './files.js';
import { type Entry, History } from './history.js';
import { renderMessage } from './render.js';

export class Conversation {
  readonly root = h('div', { class: 'log-inner' });
  /** the server process the seqs below belong to */
  private boot: string | null = null;
  private lastSeq = 0;
  private readonly seen = new Set<string>();
  private readonly cards = new Map<string, { el: HTMLElement; json: string; boot: string }>();
  private readonly history: History;
  private polling: Promise<number> | null = null;
  /** messages from the bot the person has not looked at */
  unread = 0;
  visible = false;
  onChange: () => void = () => {};

  constructor(
    readonly platform: string,
    readonly to: ApiTarget,
    /** set for a 1:1 chat: the person acting (card clicks are theirs) */
    private readonly actor: string | null,
  ) {
    this.history = new History(platform, 'userId' in to ? `u:${to.userId}` : `c:${to.chatId}`);
    this.restore();
  }

  /** what the page showed before the reload, in the order it was shown */
  private restore(): void {
    for (const e of this.history.entries) {
      if (e.t === 'in') {
        // the seqs of the latest server process seen (an older one's do not count once a newer one answered)
        if (e.boot !== this.boot) this.lastSeq = 0;
        this.boot = e.boot;
        this.lastSeq = Math.max(this.lastSeq, e.msg.seq);
        this.seen.add(`${e.boot}:${e.msg.seq}`);
        this.append(e.msg, e.boot);
      } else this.restoreOwn(e);
    }
  }

  private restoreOwn(e: Extract<Entry, { t: 'out' }>): void {
    const actor = this.actor;
    const el =
      e.kind === 'click'
        ? h('div', { class: 'msg note', 'data-testid': 'msg-out' }, h('span', {}, e.text))
        : e.kind === 'file'
          ? this.own(fileBubble(e.name))
          : this.own(
              e.kind === 'text'
                ? h('div', { class: 'bubble text' }, e.text)
                : e.dataUrl
                  ? h('img', { class: 'msg-image', src: e.dataUrl, alt: '照片' })
                  : h('div', { class: 'bubble text' }, '［照片］'),
            );
    if (e.state === 'delivered' || !actor || e.kind === 'click' || e.kind === 'file') {
      el.dataset.state = e.state;
      if (e.state === 'failed') el.classList.add('failed');
      this.root.append(el);
      return;
    }
    // a message that had not been delivered can still be sent again
    const send =
      e.kind === 'text'
        ? () => api.sendText(this.platform, actor, e.text)
        : () => (e.dataUrl ? api.sendImage(this.platform, actor, e.dataUrl) : Promise.reject(new Error('照片未保存')));
    this.track(el, send, e, undefined, true);
  }

  /** fetches new messages (and updates of open cards); resolves with how many arrived */
  poll(): Promise<number> {
    this.polling ??= this.doPoll().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async doPoll(): Promise<number> {
    let fresh = await api.messages(this.platform, this.to, this.lastSeq);
    const boot = serverBoot() ?? '';
    if (boot !== this.boot) {
      // another server process: its seqs started again at 1, so everything it has is new to this page
      if (this.boot !== null && this.lastSeq > 0) fresh = await api.messages(this.platform, this.to, 0);
      this.boot = boot;
      this.lastSeq = 0;
    }
    let added = 0;
    // in the order the platform recorded them; an updated card may come again with a newer seq: update it in place
    for (const m of fresh) {
      this.lastSeq = Math.max(this.lastSeq, m.seq);
      if (m.card && this.cards.has(m.card.id)) {
        this.updateCard(m);
      } else if (!this.seen.has(`${boot}:${m.seq}`)) {
        this.seen.add(`${boot}:${m.seq}`);
        this.history.add({ t: 'in', boot, msg: m });
        this.append(m, boot);
        added++;
      }
    }
    // cards of an earlier server process are never updated again: only this one's are re-read
    const open = [...this.cards.values()].some((c) => c.boot === boot && !c.el.classList.contains('final'));
    if (open) {
      for (const m of await api.messages(this.platform, this.to, 0, true)) if (m.card) this.updateCard(m);
    }
    if (added) {
      if (!this.visible) this.unread += added;
      this.onChange();
    }
    return added;
  }

  private append(m: ApiMessage, boot: string): void {
    const el = renderMessage(m, (card, button, buttons) => this.click(card, button, buttons));
    if (m.card) this.cards.set(m.card.id, { el, json: JSON.stringify(m.card), boot });
    this.root.append(el);
  }

  private updateCard(m: ApiMessage): void {
    if (!m.card) return;
    const id = m.card.id;
    const known = this.cards.get(id);
    const json = JSON.stringify(m.card);
    if (!known || known.json === json) return;
    const el = renderMessage(m, (card, button, buttons) => this.click(card, button, buttons));
    known.el.replaceWith(el);
    this.cards.set(id, { el, json, boot: known.boot });
    this.history.replaceCard(m);
    this.onChange();
  }

  private click(card: ApiCard, button: { key: string; text: string }, buttons: HTMLButtonElement[]): void {
    if (!this.actor) return;
    const actor = this.actor;
    for (const b of buttons) b.disabled = true;
    const text = `你点击了「${button.text}」 · ${card.title}`;
    const note = h('div', { class: 'msg note', 'data-testid': 'msg-out' }, h('span', {}, text));
    this.track(
      note,
      () => api.click(this.platform, actor, card.id, button.key),
      this.history.add({ t: 'out', kind: 'click', text, state: 'failed' }),
      () => {
        for (const b of buttons) b.disabled = false;
      },
    );
  }

  sendText(text: string): void {
    if (!this.actor) return;
    const actor = this.actor;
    const bubble = this.own(h('div', { class: 'bubble text' }, text));
    const entry = this.history.add({ t: 'out', kind: 'text', text, state: 'failed' });
    this.track(bubble, () => api.sendText(this.platform, actor, text), entry);
  }

  sendImage(dataUrl: string): void {
    if (!this.actor) return;
    const actor = this.actor;
    const bubble = this.own(h('img', { class: 'msg-image', src: dataUrl, alt: '照片' }));
    const entry = this.history.add({ t: 'out', kind: 'image', dataUrl, state: 'failed' });
    this.track(bubble, () => api.sendImage(this.platform, actor, dataUrl), entry);
  }

  /** sends a file as the platform's file message (files.ts has the picker) */
  sendFile(name: string, base64: string): void {
    if (!this.actor) return;
    const actor = this.actor;
    const bubble = this.own(fileBubble(name));
    const entry = this.history.add({ t: 'out', kind: 'file', name, state: 'failed' });
    this.track(bubble, () => api.sendFile(this.platform, actor, name, base64), entry);
  }

  private own(body: HTMLElement): HTMLElement {
    return h(
      'div',
      { class: 'msg out', 'data-testid': 'msg-out' },
      h('div', { class: 'msg-body' }, body),
      h('div', { class: 'avatar me' }, '我'),
    );
  }

  /**
   * shows `el` as sending, then delivered, or not delivered with a retry that sends it again; its stored entry
   * keeps the state (stored as failed until the server confirms, so a reload mid-send offers the retry)
   */
  private track(
    el: HTMLElement,
    send: () => Promise<unknown>,
    entry: { state: 'delivered' | 'failed' },
    onFail?: () => void,
    restored = false,
  ): void {
    const status = h('div', { class: 'delivery', 'data-testid': 'delivery' });
    el.append(status);
    this.root.append(el);
    this.onChange();
    const attempt = async () => {
      el.classList.remove('failed');
      el.classList.add('sending');
      el.dataset.state = 'sending';
      status.replaceChildren('发送中…');
      try {
        await send();
        el.classList.remove('sending');
        el.dataset.state = 'delivered';
        entry.state = 'delivered';
        this.history.save();
        status.replaceChildren();
      } catch (e) {
        el.classList.remove('sending');
        onFail?.();
        failed((e as Error).message);
        this.onChange();
        return;
      }
      this.onChange();
      await this.poll().catch(() => {});
    };
    const failed = (reason: string) => {
      el.classList.add('failed');
      el.dataset.state = 'failed';
      const retry = h('button', { type: 'button', class: 'retry', 'data-testid': 'retry' }, '重试');
      retry.addEventListener('click', () => void attempt());
      status.replaceChildren(h('span', { class: 'failed-mark' }, '!'), ` 未送达：${reason} `, retry);
    };
    // restored from before a reload: shown as it was left, sent again only when the person asks
    if (restored) failed('页面刷新前未送达');
    else void attempt();
  }
}
