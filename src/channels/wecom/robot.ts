/**
 * The group robot (群机器人 / 消息推送) webhook, WECOM.md §4: no token, markdown ≤ 4096 bytes, images as base64 +
 * md5, 20 messages a minute per robot (over it: RateLimited, and the robot is left alone until the window ends).
 */
import { createHash } from 'node:crypto';
import type { Log } from '../../core/log.js';
import type { KeyValueStore } from '../../state/store.js';
import { type RetryPolicy, WecomHttp } from './api-client.js';
import { WecomApiError, WecomInputError } from './errors.js';
import { ROBOT_MARKDOWN_MAX_BYTES, splitUtf8 } from './render.js';

export interface RobotClientOptions {
  /** default https://qyapi.weixin.qq.com (WECOM_API_BASE) */
  base: string;
  store: KeyValueStore;
  log: Log;
  retry?: Partial<RetryPolicy>;
  rateLimitBlockMs?: number;
}

export interface RobotClient {
  /** long markdown goes out as several messages, split at line breaks */
  sendMarkdown(key: string, content: string): Promise<void>;
  sendText(key: string, content: string, mentioned?: string[]): Promise<void>;
  /** JPG or PNG ≤ 2 MB */
  sendImage(key: string, image: Buffer): Promise<void>;
}

const IMAGE_MAX_BYTES = 2 * 1024 * 1024;

export function createRobotClient(opts: RobotClientOptions): RobotClient {
  const clients = new Map<string, WecomHttp>();
  const http = (key: string) => {
    let c = clients.get(key);
    if (!c) {
      c = new WecomHttp(
        opts.base,
        opts.store,
        opts.log,
        opts,
        `robot:${createHash('sha1').update(key).digest('hex').slice(0, 12)}`,
      );
      clients.set(key, c);
    }
    return c;
  };
  const post = async (key: string, body: unknown) => {
    const text = JSON.stringify(body);
    const r = await http(key).request('POST', '/cgi-bin/webhook/send', { key }, () => ({
      body: text,
      headers: { 'content-type': 'application/json' },
    }));
    if (r.errcode) throw new WecomApiError('/cgi-bin/webhook/send', r.errcode, r.errmsg ?? '');
  };
  return {
    async sendMarkdown(key, content) {
      for (const part of splitUtf8(content, ROBOT_MARKDOWN_MAX_BYTES))
        await post(key, { msgtype: 'markdown', markdown: { content: part } });
    },
    async sendText(key, content, mentioned) {
      for (const part of splitUtf8(content, 2048))
        await post(key, {
          msgtype: 'text',
          text: { content: part, ...(mentioned?.length ? { mentioned_list: mentioned } : {}) },
        });
    },
    async sendImage(key, image) {
      if (image.length > IMAGE_MAX_BYTES) throw new WecomInputError('robot images must be at most 2 MB');
      await post(key, {
        msgtype: 'image',
        image: { base64: image.toString('base64'), md5: createHash('md5').update(image).digest('hex') },
      });
    },
  };
}
