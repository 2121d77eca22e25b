/**
 * Structured logging (pino). Personal data never reaches a log line: known fields are redacted by path and
 * free text goes through maskPersonalData first.
 */
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
