import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration from the environment', () => {
  it('has the embedded defaults: port 3000, SQLite in ./data, in-process state', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBe('file:./data/huzhu.db');
    expect(c.REDIS_URL).toBeUndefined();
  });

  it('accepts a PostgreSQL URL and a Redis URL', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgresql://u@h:5432/d',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: '8080',
    });
    expect(c.DATABASE_URL).toMatch(/^postgresql:/);
    expect(c.PORT).toBe(8080);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ WECOM_ENCODING_AES_KEY: 'short' }, 'WECOM_ENCODING_AES_KEY'],
    [{ WECOM_AGENT_ID: '-3' }, 'WECOM_AGENT_ID'],
    [{ WECOM_API_BASE: 'not a url' }, 'WECOM_API_BASE'],
    [{ NODE_ENV: 'production' }, 'ID_HASH_KEY'],
    [{ WECOM_MAX_CLOCK_SKEW_S: '0' }, 'WECOM_MAX_CLOCK_SKEW_S'],
    [{ REDIS_PREFIX: 'a b' }, 'REDIS_PREFIX'],
    // a channel's own settings are checked at start too
    [{ DINGTALK_MODE: 'carrier-pigeon' }, 'DINGTALK_MODE'],
    [{ DINGTALK_QUOTA_GIVE_WAY: 'personal,everything' }, 'DINGTALK_QUOTA_GIVE_WAY'],
  ])('refuses %o naming %s', (env, name) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(new RegExp(name));
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'x', REDIS_URL: 'y' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/);
      expect((e as Error).message).toMatch(/REDIS_URL/);
    }
  });
});
