/**
 * The one place that reads the environment. Every variable is parsed by zod; a bad value stops the process
 * with a message naming the variable and what is wrong.
 */
import { z } from 'zod';
import { platformEnvShape } from './channels/platforms.js';
import { channelSettingsSchemas, platformCredentialKeys } from './channels/settings.js';
import { FAULT_PATTERN } from './core/fault.js';

const optionalUrl = z.url({ message: 'must be a URL such as http://127.0.0.1:8080' }).optional();

/** each channel's own settings (validated by its schema below), kept as the strings the environment gives */
const channelKeys = Object.fromEntries(
  channelSettingsSchemas.flatMap((s) => Object.keys(s.shape)).map((k) => [k, z.string().optional()]),
) as Record<string, z.ZodOptional<z.ZodString>>;

/** the local mode's key of the document links; production refuses it */
export const DEMO_FILE_LINK_SECRET = 'huzhu-demo-file-link-secret-change-me-0123';

export const ConfigSchema = z
  .object({
    ...channelKeys,
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** a request whose headers and body have not all arrived in this time is answered 408 and its socket closed */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
    DATABASE_URL: z
      .string()
      .default('file:./data/huzhu.db')
      .refine(
        (v) => /^file:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v),
        'must be file:<path> (SQLite) or postgresql://…',
      ),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/.+/, 'must be redis://host:port')
      .optional(),
    /** namespace of every Redis key (and queue): several installations or test runs can share one Redis */
    REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'letters, digits, _ . - only')
      .default('huzhu'),
    PUBLIC_URL: optionalUrl,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** key of the ID-number hash (HMAC-SHA256); the demo key is refused in production */
    ID_HASH_KEY: z.string().min(16, 'must be at least 16 characters').default('huzhu-demo-id-hash-key-change-me'),
    /**
     * key of the short-lived signed links to claim documents on officers' cards (src/services/document-links.ts);
     * the demo key is refused in production when PUBLIC_URL is set (links are made only then)
     */
    FILE_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEMO_FILE_LINK_SECRET),
    /** load the demo data set when the database has no programme yet (the quick start); production: off */
    DEMO: z.enum(['auto', 'on', 'off']).optional(),
    /** `npm start` only (src/local/main.ts): 1 = the local platform servers and the emulator even when a platform is
     * configured; 0 = never (a configured platform is required); unset = local when no platform is configured */
    HUZHU_LOCAL: z.enum(['0', '1'], { message: 'must be 1 (local mode) or 0' }).optional(),
    /** test-only crash point (src/core/fault.ts, test/faults/); refused with NODE_ENV=production */
    HUZHU_FAULT: z.string().regex(FAULT_PATTERN, 'must be exit-after:<point>[:<n>] (src/core/fault.ts)').optional(),
    /**
     * `huzhu roster import` only: the roster file's row limit (default 200 000) and size limit (default 20 MB, or in
     * proportion to the rows), raised for a province's whole roster; chat uploads keep the defaults
     */
    ROSTER_MAX_ROWS: z.coerce.number().int().min(1).max(10_000_000).optional(),
    ROSTER_MAX_FILE_MB: z.coerce.number().int().min(1).max(4_096).optional(),
    // each platform's own variables, from its folder's descriptor (src/channels/<platform>/platform.ts)
    ...platformEnvShape,
  })
  .superRefine((c, ctx) => {
    const set = (k: string) => (c as Record<string, unknown>)[k] !== undefined;
    for (const p of platformCredentialKeys) {
      const given = [...p.required, ...p.optional].filter(set);
      const missing = p.required.filter((k) => !set(k));
      // none given = the platform is not used; some = a mistake to name, never a silent fallback
      if (given.length && missing.length)
        for (const k of missing)
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: `must be set too: ${p.platform} is partly configured (${given.join(', ')} set); set all of ${p.required.join(', ')}, or none`,
          });
    }
    for (const schema of channelSettingsSchemas) {
      const own = Object.fromEntries(
        Object.keys(schema.shape).flatMap((k) =>
          k in c && (c as Record<string, unknown>)[k] !== undefined ? [[k, (c as Record<string, unknown>)[k]]] : [],
        ),
      );
      const r = schema.safeParse(own);
      if (!r.success)
        for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    }
    if (c.NODE_ENV === 'production' && c.PUBLIC_URL && c.FILE_LINK_SECRET === DEMO_FILE_LINK_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['FILE_LINK_SECRET'],
        message: 'must be set to a secret of your own in production: it signs the links to claim documents',
      });
    if (c.NODE_ENV === 'production' && c.ID_HASH_KEY === 'huzhu-demo-id-hash-key-change-me')
      ctx.addIssue({
        code: 'custom',
        path: ['ID_HASH_KEY'],
        message: 'must be set to a secret of your own in production',
      });
    if (c.NODE_ENV === 'production' && c.HUZHU_FAULT !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['HUZHU_FAULT'],
        message: 'is a test-only crash point: never set in production',
      });
  });

type ParsedConfig = z.infer<typeof ConfigSchema>;
export type Config = Omit<ParsedConfig, 'DEMO'> & { DEMO: 'auto' | 'on' | 'off' };

export class ConfigError extends Error {}

/** Parses an environment; throws ConfigError whose message names each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = ConfigSchema.safeParse(input);
  // the demo people must never appear in a production database by default
  if (r.success) return { ...r.data, DEMO: r.data.DEMO ?? (r.data.NODE_ENV === 'production' ? 'off' : 'auto') };
  const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** The BullMQ key prefix of the job queue: the app and `huzhu jobs` must agree on it, or a job is lost. */
export function bullPrefix(c: Pick<Config, 'REDIS_PREFIX'>): string {
  return `${c.REDIS_PREFIX}-bull`;
}

/** Every platform whose credentials are all set (loadConfig has refused partial ones). */
export function configuredPlatforms(c: Config): string[] {
  return platformCredentialKeys
    .filter((p) => p.required.every((k) => (c as Record<string, unknown>)[k] !== undefined))
    .map((p) => p.platform);
}

/** Is this platform configured (all its credentials set)? */
export function platformConfigured(c: Config, platform: string): boolean {
  return configuredPlatforms(c).includes(platform);
}
