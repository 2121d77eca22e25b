/**
 * One chat as a person sees it on one platform: the 1:1 chat with the bot, or a group chat. It keeps its own DOM
 * (so switching people keeps pending and failed messages), fetches what the bot sent since the last message it
 * has, re-reads open cards to show their updates, and shows the person's own messages with their delivery state.
 */
import { type ApiCard, type ApiMessage, type ApiTarget, api } from './api.js';
import { h } from './dom.js';
import { fileBubble } from './files.js';
import { renderMessage } from './render.js';

export class Conversation {
  readonly root = h('div', { class: 'log-inner' });
  private lastSeq = 0;
  private readonly seen = new Set<number>();
  private readonly cards = new Map<string, { el: HTMLElement; json: string }>();
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
  ) {}

  /** fetches new messages (and updates of open cards); resolves with how many arrived */
  poll(): Promise<number> {
    this.polling ??= this.doPoll().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async doPoll(): Promise<number> {
    const fresh = await api.messages(this.platform, this.to, this.lastSeq);
    let added = 0;
    // in the order the platform recorded them; an updated card may come again with a newer seq: update it in place
    for (const m of fresh) {
      this.lastSeq = Math.max(this.lastSeq, m.seq);
      if (m.card && this.cards.has(m.card.id)) {
        this.updateCard(m);
      } else if (!this.seen.has(m.seq)) {
        this.seen.add(m.seq);
        this.append(m);
        added++;
      }
    }
    const open = [...this.cards.values()].some((c) => !c.el.classList.contains('final'));
    if (open) {
      for (const m of await api.messages(this.platform, this.to, 0, true)) if (m.card) this.updateCard(m);
    }
    if (added) {
      if (!this.visible) this.unread += added;
      this.onChange();
    }
    return added;
  }

  private append(m: ApiMessage): void {
    const el = renderMessage(m, (card, button, buttons) => this.click(card, button, buttons));
    if (m.card) this.cards.set(m.card.id, { el, json: JSON.stringify(m.card) });
    this.root.append(el);
  }

  private updateCard(m: ApiMessage): void {
    const known = this.cards.get(m.card!.id);
    const json = JSON.stringify(m.card);
    if (!known || known.json === json) return;
    const el = renderMessage(m, (card, button, buttons) => this.click(card, button, buttons));
    known.el.replaceWith(el);
    this.cards.set(m.card!.id, { el, json });
    this.onChange();
  }

  private click(card: ApiCard, button: { key: string; text: string }, buttons: HTMLButtonElement[]): void {
    if (!this.actor) return;
    const actor = this.actor;
    for (const b of buttons) b.disabled = true;
    const note = h(
      'div',
      { class: 'msg note', 'data-testid': 'msg-out' },
      h('span', {}, `你点击了「${button.text}」 · ${card.title}`),
    );
    this.track(
      note,
      () => api.click(this.platform, actor, card.id, button.key),
      () => {
        for (const b of buttons) b.disabled = false;
      },
    );
  }

  sendText(text: string): void {
    if (!this.actor) return;
    const actor = this.actor;
    const bubble = this.own(h('div', { class: 'bubble text' }, text));
    this.track(bubble, () => api.sendText(this.platform, actor, text));
  }

  sendImage(dataUrl: string): void {
    if (!this.actor) return;
    const actor = this.actor;
    const bubble = this.own(h('img', { class: 'msg-image', src: dataUrl, alt: '照片' }));
    this.track(bubble, () => api.sendImage(this.platform, actor, dataUrl));
  }

  /** sends a file as the platform's file message (files.ts has the picker) */
  sendFile(name: string, base64: string): void {
    if (!this.actor) return;
    const actor = this.actor;
    const bubble = this.own(fileBubble(name));
    this.track(bubble, () => api.sendFile(this.platform, actor, name, base64));
  }

  private own(body: HTMLElement): HTMLElement {
    return h(
      'div',
      { class: 'msg out', 'data-testid': 'msg-out' },
      h('div', { class: 'msg-body' }, body),
      h('div', { class: 'avatar me' }, '我'),
    );
  }

  /** shows `el` as sending, then delivered, or not delivered with a retry that sends it again */
  private track(el: HTMLElement, send: () => Promise<unknown>, onFail?: () => void): void {
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
        status.replaceChildren();
      } catch (e) {
        el.classList.remove('sending');
        el.classList.add('failed');
        el.dataset.state = 'failed';
        onFail?.();
        const retry = h('button', { type: 'button', class: 'retry', 'data-testid': 'retry' }, '重试');
        retry.addEventListener('click', () => void attempt());
        status.replaceChildren(h('span', { class: 'failed-mark' }, '!'), ` 未送达：${(e as Error).message} `, retry);
        this.onChange();
        return;
      }
      this.onChange();
      await this.poll().catch(() => {});
    };
    void attempt();
  }
}
