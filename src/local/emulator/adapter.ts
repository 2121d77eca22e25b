/**
 * How the browser emulator plays a platform (local mode only): the local composition (src/local/start-local.ts)
 * keeps one adapter per platform, next to that platform's local API server.
 */

/** A message as the local platform server recorded it, in neutral form, for the browser emulator. */
export interface EmulatedMessage {
  seq: number;
  at: string;
  to: { userId: string } | { chatId: string };
  kind: 'text' | 'markdown' | 'image' | 'card' | 'file';
  text?: string;
  /** image bytes as a data: URL */
  imageDataUrl?: string;
  /** a file the app sent (an XLSX export): its name, and its bytes as a data: URL the page offers for download */
  file?: { name: string; dataUrl?: string };
  card?: {
    id: string;
    title: string;
    description?: string;
    fields: { label: string; value: string }[];
    buttons: { key: string; text: string }[];
    finalText?: string;
  };
}

/**
 * How the emulator plays the platform: it posts exactly the callback the platform would post (signed, encrypted)
 * to the app's real endpoint, and reads what the app sent to the local platform API server.
 */
export interface EmulatorAdapter {
  sendText(userId: string, text: string): Promise<void>;
  sendImage(userId: string, png: Buffer): Promise<void>;
  /** the person sends a file (the platform's file message, through its real signed callback) */
  sendFile(userId: string, name: string, bytes: Buffer): Promise<void>;
  click(userId: string, cardId: string, buttonKey: string): Promise<void>;
  /** the local platform knows this group chat (a real installation creates it once, as its admin) */
  ensureGroup?(chatId: string, name: string, userIds: string[]): Promise<void>;
  /** messages recorded for a user or a group chat with seq > afterSeq, cards in their latest state */
  messages(to: { userId: string } | { chatId: string }, afterSeq?: number): EmulatedMessage[];
}
