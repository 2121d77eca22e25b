/**
 * The one place that reads the environment. Every variable is parsed by zod; a bad value stops the process
 * with a message naming the variable and what is wrong.
 */
import { z } from 'zod';
import { channelSettingsSchemas } from './channels/settings.js';

const optionalUrl = z.url({ message: 'must be a URL such as http://127.0.0.1:8080' }).optional();
const nonEmpty = z.string().trim().min(1).optional();

/** each channel's own settings (validated by its schema below), kept as the strings the environment gives */
const channelKeys = Object.fromEntries(
  channelSettingsSchemas.flatMap((s) => Object.keys(s.shape)).map((k) => [k, z.string().optional()]),
) as Record<string, z.ZodOptional<z.ZodString>>;

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
    /** load the demo data set when the database has no programme yet (the quick start) */
    DEMO: z.enum(['auto', 'on', 'off']).default('auto'),
    WECOM_CORP_ID: nonEmpty,
    WECOM_TOKEN: nonEmpty,
    WECOM_ENCODING_AES_KEY: z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/, 'must be the 43-character EncodingAESKey from the WeCom admin console')
      .optional(),
    WECOM_AGENT_ID: z.coerce.number().int().positive().optional(),
    WECOM_SECRET: nonEmpty,
    WECOM_API_BASE: optionalUrl,
    /** a callback whose timestamp is further than this from our clock is refused (WeCom documents no window) */
    WECOM_MAX_CLOCK_SKEW_S: z.coerce.number().int().positive().default(300),
    DINGTALK_APP_KEY: nonEmpty,
    DINGTALK_APP_SECRET: nonEmpty,
    DINGTALK_ROBOT_CODE: nonEmpty,
    DINGTALK_API_BASE: optionalUrl,
    DINGTALK_OAPI_BASE: optionalUrl,
  })
  .superRefine((c, ctx) => {
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
    if (c.NODE_ENV === 'production' && c.ID_HASH_KEY === 'huzhu-demo-id-hash-key-change-me')
      ctx.addIssue({
        code: 'custom',
        path: ['ID_HASH_KEY'],
        message: 'must be set to a secret of your own in production',
      });
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses an environment; throws ConfigError whose message names each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = ConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** The platform settings are complete, or the platform runs against the local emulator servers. */
export function wecomConfigured(c: Config): boolean {
  return Boolean(c.WECOM_CORP_ID && c.WECOM_TOKEN && c.WECOM_ENCODING_AES_KEY && c.WECOM_AGENT_ID && c.WECOM_SECRET);
}
