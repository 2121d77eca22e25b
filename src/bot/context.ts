import type { Log } from '../core/log.js';
import type { InboundMessage, OutboundMessage, Reply } from '../core/messages.js';
import type { Outbox } from '../core/outbox.js';
import type { TemplateKey, Templates } from '../core/templates.js';
import type { Services } from '../services/index.js';
import type { DispatchDeliveries, Enqueue } from '../services/job-queue.js';
import type { Person } from '../services/people.js';
import type { KeyValueStore } from '../state/store.js';

export interface BotDeps {
  /** the use cases, database bound (src/services/index.ts): the bot never holds a Db */
  services: Services;
  store: KeyValueStore;
  log: Log;
  templates: Templates;
  outbox: Outbox;
  hashKey: string;
  now: () => Date;
  /** card clicks are the approvals' business (src/bot/flows/approvals.ts registers here) */
  onCardClick?: (turn: Turn & { msg: InboundMessage & { kind: 'card_click' } }) => Promise<Reply[]>;
  /** called after a claim is stored, to notify the officers */
  onClaimSubmitted?: (claimId: number) => Promise<void>;
  /** the job queue (announcements go out through it) */
  enqueue?: Enqueue;
  /** hands the Delivery rows a state change planned to the queue (src/jobs/dispatch.ts) */
  dispatch?: DispatchDeliveries;
  /** signs the link of a claim's document for an officer's card; absent or null = no link (src/services/document-links.ts) */
  documentLink?: (claimId: number, n: number | 'all') => string | null;
  /** a photo's bytes through its platform's media API (kept for the claim's documents); throws FileTooLargeError past maxBytes */
  fetchMedia?: (platform: string, mediaId: string, maxBytes: number) => Promise<{ bytes: Buffer }>;
  /** every chat platform the app speaks, with its label (a people file has an account column per platform) */
  platforms?: readonly { name: string; label: string }[];
}

export interface Turn {
  deps: BotDeps;
  msg: InboundMessage;
  person: Person | null;
  /** renders templates/text/<key>.liquid as a text reply */
  say(key: TemplateKey, vars?: Record<string, unknown>): OutboundMessage;
}

/** A turn of a person bound to the roster: every intent handler and every flow but binding runs on one. */
export type BoundTurn = Turn & { person: Person };
