/**
 * One message as the platform's client shows it: a text bubble, rendered markdown, an image, or a card with its
 * fields and working buttons (or, once decided, its final text in grey).
 */
import type { ApiCard, ApiMessage } from './api.js';
import { h, timeOf } from './dom.js';
import { fileBubble } from './files.js';
import { renderMarkdown } from './markdown.js';

export type ClickHandler = (card: ApiCard, button: { key: string; text: string }, buttons: HTMLButtonElement[]) => void;

/** a card is final once decided: its final text replaces the buttons (some platforms only drop the buttons) */
export function isFinal(card: ApiCard): boolean {
  return Boolean(card.finalText) || card.buttons.length === 0;
}

export function renderCard(card: ApiCard, onClick: ClickHandler): HTMLElement {
  const fields = h('dl', { class: 'card-fields' });
  for (const f of card.fields) fields.append(h('dt', {}, f.label), h('dd', {}, f.value));
  const root = h(
    'div',
    { class: isFinal(card) ? 'card final' : 'card', 'data-card-id': card.id, 'data-testid': 'card' },
    h('div', { class: 'card-title' }, card.title),
    card.description ? h('div', { class: 'card-desc' }, card.description) : null,
    card.fields.length ? fields : null,
  );
  if (card.finalText) {
    root.append(h('div', { class: 'card-final', 'data-testid': 'card-final' }, card.finalText));
  } else if (card.buttons.length) {
    const buttons = card.buttons.map((b) =>
      h('button', { type: 'button', class: 'card-button', 'data-key': b.key }, b.text),
    );
    card.buttons.forEach((b, i) => {
      buttons[i]?.addEventListener('click', () => onClick(card, b, buttons));
    });
    root.append(h('div', { class: 'card-buttons' }, ...buttons));
  }
  return root;
}

export function renderMessage(m: ApiMessage, onClick: ClickHandler): HTMLElement {
  let body: HTMLElement;
  if (m.kind === 'card' && m.card) {
    body = renderCard(m.card, onClick);
  } else if (m.kind === 'image' && m.imageDataUrl?.startsWith('data:image/')) {
    body = h('img', { class: 'msg-image', src: m.imageDataUrl, alt: '图片' });
  } else if (m.kind === 'file' && m.file) {
    body = fileBubble(m.file.name, m.file.dataUrl?.startsWith('data:') ? m.file.dataUrl : undefined);
  } else if (m.kind === 'markdown') {
    body = h('div', { class: 'bubble markdown' });
    body.innerHTML = renderMarkdown(m.text ?? '');
  } else {
    body = h('div', { class: 'bubble text' }, m.text ?? '');
  }
  return h(
    'div',
    { class: `msg in kind-${m.kind}`, 'data-seq': String(m.seq), 'data-kind': m.kind, 'data-testid': 'msg-in' },
    h('div', { class: 'avatar bot' }, '助'),
    h('div', { class: 'msg-body' }, body, h('div', { class: 'msg-time' }, timeOf(m.at))),
  );
}
