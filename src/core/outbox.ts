import type { OutboundMessage, Platform, Recipient } from './messages.js';

export interface SentRef {
  /** WeCom: the send's response_code for an interactive card (one later update) */
  responseCode?: string;
}

/**
 * Sends to anyone on any platform: the bot and the jobs use this, each channel implements it.
 * Messages to the user being answered go back as the handler's return value instead.
 */
export interface PlatformSender {
  send(to: Recipient, msg: OutboundMessage): Promise<SentRef>;
  /** replace an interactive card for everyone it went to (WeCom: the click's ResponseCode with atall) */
  updateCard(
    ref: { cardId: string; responseCode?: string; userIds?: string[] },
    msg: OutboundMessage & { kind: 'card' },
  ): Promise<void>;
  /** a card is updated only with the one-shot code of its send or of a click (the platform's descriptor says) */
  readonly cardUpdateNeedsCode?: boolean;
}

export class Outbox {
  private readonly senders = new Map<Platform, PlatformSender>();

  register(platform: Platform, sender: PlatformSender): void {
    this.senders.set(platform, sender);
  }

  platforms(): Platform[] {
    return [...this.senders.keys()];
  }

  private sender(platform: Platform): PlatformSender {
    const s = this.senders.get(platform);
    if (!s) throw new Error(`no sender registered for ${platform}`);
    return s;
  }

  send(platform: Platform, to: Recipient, msg: OutboundMessage): Promise<SentRef> {
    return this.sender(platform).send(to, msg);
  }

  /** Can a card be updated with this code (or none)? Not on a platform that needs a one-shot code, without one. */
  canUpdateCard(platform: Platform, responseCode: string | undefined): boolean {
    return !(this.senders.get(platform)?.cardUpdateNeedsCode && !responseCode);
  }

  updateCard(
    platform: Platform,
    ref: { cardId: string; responseCode?: string; userIds?: string[] },
    msg: OutboundMessage & { kind: 'card' },
  ) {
    return this.sender(platform).updateCard(ref, msg);
  }
}
