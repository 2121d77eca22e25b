/**
 * Issue 3's unknown message types, answered by the real bot through the real callback: a voice message or a
 * location gets a polite Chinese answer that names what the bot understands; opening the app gets a welcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WecomChannel } from '../../../src/channels/wecom/index.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { WecomTestClient } from '../../support/wecom/client.js';

describe('the bot answers what it cannot read (WeCom)', () => {
  let t: TestApp;
  let client: WecomTestClient;
  beforeAll(async () => {
    t = await startTestApp({ schedules: false });
    const c = (t.app.channels.get('wecom') as WecomChannel).credentials;
    client = new WecomTestClient(
      { corpId: c.corpId, token: c.token, encodingAesKey: c.encodingAesKey, agentId: c.agentId },
      t.app.now,
    );
  });
  afterAll(() => t.stop());

  const post = async (fields: Record<string, string>) => {
    const cb = client.seal(client.plaintext('demo-worker-1', fields));
    const res = await fetch(t.app.url + cb.path, {
      method: 'POST',
      body: cb.body,
      headers: { 'content-type': 'text/xml' },
    });
    expect(res.status).toBe(200);
    return client.openReply(await res.text()).Content ?? '';
  };

  it.each([
    ['voice', { MsgType: 'voice', MediaId: 'voice-1', Format: 'amr', MsgId: '7001' }],
    [
      'location',
      { MsgType: 'location', Location_X: '20.04', Location_Y: '110.35', Scale: '15', Label: '海口', MsgId: '7002' },
    ],
  ])('%s → a polite answer naming what it understands', async (_type, fields) => {
    const answer = await post(fields);
    expect(answer).toContain('抱歉');
    expect(answer).toContain('我参加了吗');
    expect(answer).toContain('申请补助');
  });

  it('opening the app → a welcome', async () => {
    const answer = await post({ MsgType: 'event', Event: 'enter_agent', EventKey: '' });
    expect(answer).toContain('职工医疗互助助手');
  });
});
