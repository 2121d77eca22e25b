/**
 * One journey suite, every platform: a PlatformDriver plays the platform's side of the conversation through the
 * app's real entry points (signed callbacks, card clicks) and reads what the platform's local API server
 * received. Journey, approval and broadcast tests are written against this interface only, so a second platform
 * runs them unchanged (test/support/drivers/<platform>.ts implements it).
 */

/** A message as the platform received it, reduced to what a person would see. */
export interface SeenMessage {
  kind: 'text' | 'markdown' | 'image' | 'card' | 'file';
  /** text or markdown; for a card every visible string (title, fields, buttons, final text) joined with newlines */
  text: string;
  card?: SeenCard;
  /** a file the platform received (uploaded, then sent): its name and bytes as the user downloads them */
  file?: { name: string; bytes: Buffer };
  /** the raw request body the platform received (for platform-specific assertions) */
  raw: unknown;
}

export interface SeenCard {
  /** the id a click refers to (WeCom task_id / DingTalk outTrackId) */
  id: string;
  title: string;
  buttons: { key: string; text: string }[];
  /** set once the card was updated to a final state (buttons gone) */
  finalText?: string;
  /** the links the card carries (a claim's documents), as the platform received them */
  links?: { text: string; url: string }[];
}

export interface PlatformDriver {
  readonly platform: string;
  /**
   * The user types `text` in a 1:1 chat with the bot: sent through the real callback, signed (and encrypted) as the
   * platform does. Resolves with every message the user received for it (passive reply and API sends), after the
   * app is idle.
   */
  say(userId: string, text: string): Promise<SeenMessage[]>;
  /** The user sends a photo. */
  sendImage(userId: string, png: Buffer): Promise<SeenMessage[]>;
  /** The user sends a file (an XLSX from Excel/WPS) as the platform's file message. */
  sendFile(userId: string, name: string, bytes: Buffer): Promise<SeenMessage[]>;
  /** The platform forgets every photo and file users sent (its keeping time passed: WeCom keeps media 3 days). */
  expireMedia(): void;
  /** The user clicks a button of a card they received; resolves with what they received for it. */
  click(userId: string, cardId: string, buttonKey: string): Promise<SeenMessage[]>;
  /** Delivers the same callback again, byte for byte (the platform's retry); resolves with what arrived for it. */
  redeliverLast(userId: string): Promise<SeenMessage[]>;
  /** Everything a user received so far, cards in their latest state. */
  inbox(userId: string): SeenMessage[];
  /** Everything a group chat (announcements, ranking tables) received so far. */
  groupInbox(chatId: string): SeenMessage[];
  /** The latest state of a card as one user sees it (after updates). */
  card(userId: string, cardId: string): SeenCard | undefined;
}
