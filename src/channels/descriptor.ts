/**
 * What a platform folder tells the rest of the app about its platform, beyond the channel itself: its name and
 * label, the environment variables it reads and which of them make it configured, its limits, and how its cards
 * update. src/channels/platforms.ts lists the descriptors (one line a platform); config, the roster and people
 * files, the job runner's pacing and the CLI read them from there and never name a platform themselves.
 */
import type { z } from 'zod';
import type { PlatformLimits } from '../core/platform-limits.js';

export interface PlatformDescriptor<Env extends z.ZodRawShape = z.ZodRawShape> {
  /** the folder's name and the `platform` of every message, identity and delivery row */
  name: string;
  /** how a person calls it: the roster's and the people file's account column is `${label}账号` */
  label: string;
  /** its environment variables, parsed by src/config.ts with the common ones */
  env: z.ZodObject<Env>;
  /** a platform runs when all `required` are set; some set without the others stops the process, naming them */
  credentials: { required: readonly string[]; optional: readonly string[] };
  /** settings beyond the credentials, checked at start (a bad value names the variable) */
  settings?: z.ZodObject;
  limits: PlatformLimits;
  /** the limits as configured, when a setting may change them (a test against the local server raises one) */
  limitsFor?(config: Record<string, unknown>): PlatformLimits;
  /** a card is updated only with the one-shot code of a send or a click (else a redraw is skipped) */
  cardUpdateNeedsCode: boolean;
  /** its API calls are counted against a monthly quota (`huzhu quota`) */
  monthlyApiQuota: boolean;
}
