/**
 * One user's turn: the lock that orders a sender's messages across instances. Taken by the bot around each turn,
 * or once by the receive pipeline (src/channels/pipeline.ts) around the whole handling, which then tells the bot it
 * holds it (`turnHeld`): one lock per message instead of two (issue #17: each costs a SET NX, a release script and
 * a renewal timer on the hot path).
 */
export const turnLockKey = (platform: string, userId: string): string => `turn:${platform}:${userId}`;

/** how a caller of the bot says what it already holds */
export interface HandleOptions {
  /** the caller holds the sender's turn lock (turnLockKey): the bot does not take it again */
  turnHeld?: boolean;
}
