/**
 * The channel-neutral message shapes. A channel turns its wire format into an InboundMessage and renders an
 * OutboundMessage into its own API calls; nothing else in the app knows a platform's wire format.
 */
import { z } from 'zod';

/** A platform's name, the folder of its channel under src/channels ('wecom', …); the bot never branches on it. */
export type Platform = string;

interface InboundBase {
  platform: Platform;
  /** the platform's user id (WeCom userid / DingTalk staffId) */
  userId: string;
  /** set when the message came from a group chat */
  chatId?: string;
  /** the platform's id of this delivery, used to handle each message once (MsgId, or user+time+key for events) */
  dedupeKey: string;
  receivedAt: Date;
}

export type InboundMessage =
  | (InboundBase & { kind: 'text'; text: string })
  | (InboundBase & { kind: 'image'; mediaId: string; url?: string })
  | (InboundBase & {
      kind: 'card_click';
      /** the card's task id (WeCom task_id / DingTalk outTrackId) */
      cardId: string;
      /** the clicked button's key */
      action: string;
      /** WeCom: one-shot code for message/update_template_card */
      responseCode?: string;
    })
  | (InboundBase & { kind: 'event'; event: string })
  | (InboundBase & {
      kind: 'file';
      /** the file's name as the sender's client gave it (may be absent on WeCom: then media/get's name is used) */
      name: string;
      /** bytes, when the platform says so before the download */
      size?: number;
      /** downloads the file through the platform's API; throws FileTooLargeError past `maxBytes` */
      fetchFile(maxBytes: number): Promise<{ bytes: Buffer; name?: string }>;
    })
  | (InboundBase & { kind: 'unsupported'; originalType: string });

export type InboundKind = InboundMessage['kind'];

export interface CardField {
  label: string;
  value: string;
}

export interface CardButton {
  key: string;
  text: string;
  style?: 'primary' | 'danger' | 'default';
}

/** An interactive card; channels render it (WeCom template_card button_interaction, DingTalk card instance). */
export interface Card {
  /** unique per card sent; also the key to update it later */
  id: string;
  title: string;
  description?: string;
  /** big highlighted figure, e.g. the subsidy */
  emphasis?: { title: string; desc: string };
  fields: CardField[];
  /** when set, the card is final: it keeps its buttons, which the platform shows disabled under this text */
  finalText?: string;
  buttons: CardButton[];
  /** image attachments shown as links */
  links?: { text: string; url: string }[];
  /** one link to a page listing every one of `links`: a platform that shows fewer links shows it in their place */
  linksIndex?: { text: string; url: string };
}

export type OutboundMessage =
  | { kind: 'text'; text: string }
  | { kind: 'markdown'; text: string }
  | { kind: 'image'; png: Buffer; name?: string }
  | { kind: 'card'; card: Card }
  /** a document the user downloads (an XLSX export); channels upload it, then send it as a file message */
  | { kind: 'file'; bytes: Buffer; name: string };

/**
 * Who saw the clicked card redrawn in the click's own answer: the clicker (WeCom's passive update_template_card
 * changes only their copy), every copy of the card (a DingTalk callback answer's cardData is the card's shared
 * data), or nobody (the answer could not carry it: too late, or the transport cannot).
 */
export type CardAnswered = { userIds: string[] } | 'all' | null;

/**
 * A card click's answer with the clicked card in its new state (issue #14: the officer sees their card change with
 * the answer to the click, not after the job queue). `settle` is called exactly once, after the channel knows
 * whether the answer carried it; the flow then hands the other copies (and the fallback for this one) to the queue.
 */
export interface CardAnswer {
  kind: 'card_answer';
  card: Card;
  settle(answered: CardAnswered): Promise<void>;
}

/**
 * Cards to the user being answered, sent through the platform's API after the replies before them (on WeCom after
 * the passive answer, so the answer does not wait for them); `recorded` is called once with the cards that went out
 * and what each send returned (WeCom's response_code, needed to update the card later), also when some could not be
 * sent. Kept by the inbound journal as plain cards: sent again after a crash, they are not recorded (a click on one
 * still decides its claim by the claim id it carries).
 */
export interface CardsToRecord {
  kind: 'cards_to_record';
  cards: Card[];
  recorded(sent: { cardId: string; responseCode?: string }[]): Promise<void>;
}

/** What the bot answers a message with: messages, cards it records once sent, and for a card click the card redrawn. */
export type Reply = OutboundMessage | CardsToRecord | CardAnswer;

/** The replies of a turn that is not a card click's (a text's turn never answers with the clicked card). */
export type TurnReply = OutboundMessage | CardsToRecord;

/** Where a message goes: some users, or a group chat. */
export const Recipient = z.union([z.object({ userIds: z.array(z.string()) }), z.object({ chatId: z.string() })]);
export type Recipient = z.infer<typeof Recipient>;

/** A file past the size the bot takes: the download stopped there, nothing was read further. */
export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`file larger than ${maxBytes} bytes`);
  }
}
