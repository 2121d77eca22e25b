/**
 * What a person said, read once per message: the text as typed (kept: it is stored and forwarded as written), the
 * command it is by rule (取消, 继续, 补材料, 导出…, nlu/commands.ts) and the intent with its slots (intent.ts).
 * The router and the flows read this, never the text again.
 */
import type { InboundMessage } from '../core/messages.js';
import { type ParsedIntent, parseIntent } from './intent.js';
import { type ChatCommand, chatCommand } from './nlu/commands.js';

/** longer than this the bot asks for a sentence instead of reading it (an announcement has its own limit) */
export const TOO_LONG = 2000;

export interface Said {
  /** the text as typed, trimmed; '' for an image */
  text: string;
  /** a text message (an image is an answer to a form's photo step only) */
  isText: boolean;
  command: ChatCommand | null;
  /** null for an image, an empty text, or a text too long to read from a person not bound yet */
  parsed: ParsedIntent | null;
}

export function readSaid(
  msg: InboundMessage & { kind: 'text' | 'image' },
  opts: { now: Date; roles: readonly string[] | undefined; bound: boolean },
): Said {
  if (msg.kind !== 'text') return { text: '', isText: false, command: null, parsed: null };
  const text = msg.text.trim();
  // a person not bound yet is asked to shorten a long text before anything else, so it is not classified
  const readable = text.length > 0 && (opts.bound || text.length <= TOO_LONG);
  return {
    text,
    isText: true,
    command: chatCommand(text),
    parsed: readable ? parseIntent(text, { now: opts.now, ...(opts.roles ? { roles: opts.roles } : {}) }) : null,
  };
}
