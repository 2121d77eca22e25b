/**
 * The key of a card's button, for a test that clicks it: by the text the person sees, or the first one. A missing
 * button fails naming what the card has, instead of a TypeError on `undefined.key`.
 */
export function buttonKey(card: { buttons: readonly { key: string; text: string }[] }, text?: string): string {
  const button = text === undefined ? card.buttons[0] : card.buttons.find((b) => b.text === text);
  if (!button) {
    const has = card.buttons.map((b) => b.text).join('、') || 'no buttons';
    throw new Error(`the card has no ${text === undefined ? 'button' : `“${text}” button`} (it has ${has})`);
  }
  return button.key;
}
