import type { Db } from '../db/client.js';
import type { Enqueue } from '../jobs/types.js';
import type { Log } from '../log.js';
import type { Person } from '../services/people.js';
import type { KeyValueStore } from '../state/store.js';
import type { InboundMessage, OutboundMessage } from './messages.js';
import type { Outbox } from './outbox.js';
import type { Templates } from './templates.js';

export interface BotDeps {
  db: Db;
  store: KeyValueStore;
  log: Log;
  templates: Templates;
  outbox: Outbox;
  hashKey: string;
  now: () => Date;
  /** card clicks are the approvals' business (src/bot/flows/approvals.ts registers here) */
  onCardClick?: (turn: Turn & { msg: InboundMessage & { kind: 'card_click' } }) => Promise<OutboundMessage[]>;
  /** called after a claim is stored, to notify the officers */
  onClaimSubmitted?: (claimId: number) => Promise<void>;
  /** the job queue (announcements go out through it) */
  enqueue?: Enqueue;
  /** every chat platform the app speaks, with its label (a people file has an account column per platform) */
  platforms?: readonly { name: string; label: string }[];
}

export interface Turn {
  deps: BotDeps;
  msg: InboundMessage;
  person: Person | null;
  /** renders templates/text/<key>.liquid as a text reply */
  say(key: string, vars?: Record<string, unknown>): OutboundMessage;
}
