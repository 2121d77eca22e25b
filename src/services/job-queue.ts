/**
 * The queue, as the use cases and the bot need it: a named job enqueued, and planned delivery rows handed over.
 * Owned here and implemented by src/jobs (BullMQ over Redis, or in process), so the layers above never import the
 * job runners.
 */

export type JobName = 'ranking.daily' | 'deadlines.daily' | 'announce.adhoc' | 'deliver' | 'deliveries.sweep';

export interface EnqueueOptions {
  /** the same id twice is one job (while the first is waiting, delayed or active) */
  jobId?: string;
  delayMs?: number;
}

export type Enqueue = (name: JobName, data: Record<string, unknown>, opts?: EnqueueOptions) => Promise<void>;

/**
 * Hands the Delivery rows a state change planned (in its own transaction) to the queue. Those `now` selects are
 * tried at once, in the caller's request, through the same exactly-once path (the clicked card's redraw); the rest,
 * and any that fail, are queued. If even queueing fails the rows stay planned and the delivery sweep sends them.
 */
export type DispatchDeliveries = (keys: string[], now?: (key: string) => boolean) => Promise<void>;
