/**
 * Structured logging (pino). Personal data never reaches a log line: known fields are redacted by path and
 * free text goes through maskPersonalData first.
 */
import { format } from 'node:util';
import { type DestinationStream, type Logger, pino } from 'pino';

export type Log = Logger;

const ID_NUMBER = /\b(\d{6})\d{8}(\d{3}[\dXx])\b/g;
const PHONE = /\b(1[3-9]\d)\d{4}(\d{4})\b/g;

/** Masks 身份证号 and mobile numbers wherever they stand in a text. */
export function maskPersonalData(text: string): string {
  return text.replace(ID_NUMBER, '$1********$2').replace(PHONE, '$1****$2');
}

/** `destination`: stdout by default; the privacy test gathers every line in memory */
export function createLog(level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Log {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: [
        'idNumber',
        '*.idNumber',
        'phone',
        '*.phone',
        'text',
        '*.text',
        'content',
        '*.content',
        'diagnosis',
        '*.diagnosis',
      ],
      censor: '[masked]',
    },
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? maskPersonalData(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';
const LEVEL: Record<ConsoleMethod, 'info' | 'warn' | 'error' | 'debug'> = {
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  debug: 'debug',
};
let routed: { originals: Record<ConsoleMethod, (...a: unknown[]) => void>; users: number } | undefined;

/**
 * Routes console.* into the log while a library that writes there is in use (dingtalk-stream prints "connect
 * success", "Disconnecting." and `console.warn("ERROR", err)` with a multi-line stack): each call becomes one
 * JSON line, an Error as `err` (its stack inside the JSON string), free text masked. Counted: the console is
 * restored when the last user calls the returned function.
 */
export function routeConsoleToLog(log: Log): () => void {
  if (!routed) {
    const originals = {} as Record<ConsoleMethod, (...a: unknown[]) => void>;
    for (const m of Object.keys(LEVEL) as ConsoleMethod[]) originals[m] = console[m];
    routed = { originals, users: 0 };
  }
  for (const m of Object.keys(LEVEL) as ConsoleMethod[])
    console[m] = (...args: unknown[]) => {
      const err = args.find((a) => a instanceof Error);
      const text = format(...args.filter((a) => a !== err));
      log[LEVEL[m]]({ source: 'console', ...(err ? { err } : {}) }, maskPersonalData(text));
    };
  routed.users++;
  let done = false;
  return () => {
    if (done || !routed) return;
    done = true;
    if (--routed.users > 0) return;
    for (const m of Object.keys(LEVEL) as ConsoleMethod[]) console[m] = routed.originals[m];
    routed = undefined;
  };
}
