/**
 * The local DingTalk server refuses what DingTalk refuses (DINGTALK.md §4, §8): the test talks to it over plain
 * HTTP, as a careless client would, and checks each refusal; then the app's client is shown to stop at the first
 * final one (bad credentials).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../../src/local/dingtalk/demo.js';
import { LocalDingtalkServer } from '../../../src/local/dingtalk/local-server.js';
import { startHarness } from '../../support/dingtalk/harness.js';

let s: LocalDingtalkServer;
let token: string;
beforeAll(async () => {
  s = await LocalDingtalkServer.start();
  const r = await call(
    'POST',
    '/v1.0/oauth2/accessToken',
    { appKey: DEMO_CREDENTIALS.appKey, appSecret: DEMO_CREDENTIALS.appSecret },
    {},
  );
  token = (r.body as { accessToken: string }).accessToken;
});
afterAll(async () => {
  await s.close();
});

async function call(method: string, path: string, body: unknown, headers: Record<string, string> | null = null) {
  const res = await fetch(s.url + path, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(headers ?? { 'x-acs-dingtalk-access-token': token }) },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const robot = DEMO_CREDENTIALS.robotCode;
const errcode = async (url: string, init: RequestInit) =>
  ((await (await fetch(url, init)).json()) as { errcode: number }).errcode;
const text = (content: string) => ({ robotCode: robot, msgKey: 'sampleText', msgParam: JSON.stringify({ content }) });

describe('the token', () => {
  it('bad credentials → 400 invalidClientIdOrSecret; missing token → AuthenticationFailed.MissingParameter; a wrong one → InvalidAuthentication', async () => {
    expect(await call('POST', '/v1.0/oauth2/accessToken', { appKey: 'x', appSecret: 'y' }, {})).toMatchObject({
      status: 400,
      body: { code: 'invalidClientIdOrSecret' },
    });
    expect(await call('POST', '/v1.0/robot/oToMessages/batchSend', { ...text('x'), userIds: ['a'] }, {})).toMatchObject(
      { status: 400, body: { code: 'AuthenticationFailed.MissingParameter' } },
    );
    expect(
      await call(
        'POST',
        '/v1.0/robot/oToMessages/batchSend',
        { ...text('x'), userIds: ['a'] },
        { 'x-acs-dingtalk-access-token': 'nope' },
      ),
    ).toMatchObject({ status: 400, body: { code: 'InvalidAuthentication' } });
  });

  it('the token in the query of the new API is not accepted (it goes in the header)', async () => {
    expect(
      (
        await call(
          'POST',
          `/v1.0/robot/oToMessages/batchSend?access_token=${token}`,
          { ...text('x'), userIds: ['a'] },
          {},
        )
      ).body.code,
    ).toBe('AuthenticationFailed.MissingParameter');
  });
});

describe('robot sends', () => {
  it('more than 20 userIds → invalidParameter.userIds.overMax', async () => {
    const r = await call('POST', '/v1.0/robot/oToMessages/batchSend', {
      ...text('x'),
      userIds: Array.from({ length: 21 }, (_, i) => `u${i}`),
    });
    expect(r).toMatchObject({ status: 400, body: { code: 'invalidParameter.userIds.overMax' } });
  });

  it('an unknown msgKey, a msgParam that is an object instead of a JSON string, or one missing its field → refused', async () => {
    expect(
      (await call('POST', '/v1.0/robot/oToMessages/batchSend', { ...text('x'), msgKey: 'sampleTable', userIds: ['a'] }))
        .body.code,
    ).toBe('invalidParameter.msgKey.invalid');
    expect(
      (
        await call('POST', '/v1.0/robot/oToMessages/batchSend', {
          robotCode: robot,
          msgKey: 'sampleText',
          msgParam: { content: 'x' },
          userIds: ['a'],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/v1.0/robot/oToMessages/batchSend', {
          robotCode: robot,
          msgKey: 'sampleMarkdown',
          msgParam: '{"text":"x"}',
          userIds: ['a'],
        })
      ).status,
    ).toBe(400);
  });

  it('a group msgParam over 15 000 bytes → refused; at 15 000 accepted', async () => {
    const over = {
      robotCode: robot,
      openConversationId: 'cid1',
      msgKey: 'sampleText',
      msgParam: JSON.stringify({ content: '互'.repeat(5_000) }),
    };
    expect((await call('POST', '/v1.0/robot/groupMessages/send', over)).status).toBe(400);
    const fit = JSON.stringify({ content: 'a'.repeat(15_000 - 14) });
    expect(Buffer.byteLength(fit)).toBe(15_000);
    expect((await call('POST', '/v1.0/robot/groupMessages/send', { ...over, msgParam: fit })).status).toBe(200);
  });

  it('another robotCode → refused', async () => {
    expect(
      (
        await call('POST', '/v1.0/robot/oToMessages/batchSend', {
          ...text('x'),
          robotCode: 'dingOther',
          userIds: ['a'],
        })
      ).status,
    ).toBe(400);
  });
});

describe('cards', () => {
  const card = (o: Record<string, unknown> = {}) => ({
    cardTemplateId: 't.schema',
    outTrackId: `c${Math.random().toString(36).slice(2)}`,
    callbackType: 'STREAM',
    cardData: { cardParamMap: { title: 't' } },
    openSpaceId: 'dtv1.card//IM_ROBOT.u1',
    imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: robot },
    ...o,
  });
  it('a malformed openSpaceId, a non-string param, HTTP callbacks without a route key, a reused outTrackId → refused', async () => {
    expect(
      (await call('POST', '/v1.0/card/instances/createAndDeliver', card({ openSpaceId: 'IM_ROBOT.u1' }))).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v1.0/card/instances/createAndDeliver', card({ cardData: { cardParamMap: { n: 1 } } })))
        .status,
    ).toBe(400);
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', card({ callbackType: 'HTTP' }))).status).toBe(
      400,
    );
    const ok = card();
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', ok)).body).toMatchObject({
      success: true,
      result: { outTrackId: ok.outTrackId },
    });
    expect((await call('POST', '/v1.0/card/instances/createAndDeliver', ok)).status).toBe(400);
  });

  it('updating a card DingTalk never had → refused', async () => {
    expect(
      (await call('PUT', '/v1.0/card/instances', { outTrackId: 'nope', cardData: { cardParamMap: {} } })).status,
    ).toBe(400);
  });
});

describe('sessionWebhook and media', () => {
  it('an expired session is refused; a live one takes text and markdown only', async () => {
    const dead = s.openSession({ userId: 'u' }, -1);
    expect(await errcode(dead.url, { method: 'POST', body: '{"msgtype":"text","text":{"content":"x"}}' })).not.toBe(0);
    const live = s.openSession({ userId: 'u' });
    expect(await errcode(live.url, { method: 'POST', body: '{"msgtype":"image","image":{}}' })).not.toBe(0);
    expect(await errcode(live.url, { method: 'POST', body: '{"msgtype":"text","text":{"content":"好"}}' })).toBe(0);
  });

  it('media/upload needs the token in the query (errcode 88 otherwise) and the file part `media`', async () => {
    const form = () => {
      const f = new FormData();
      f.append('type', 'image');
      f.append('media', new Blob([Buffer.from('89504e47', 'hex')], { type: 'image/png' }), 'a.png');
      return f;
    };
    expect(await errcode(`${s.url}/media/upload?type=image`, { method: 'POST', body: form() })).toBe(88);
    const r = (await (
      await fetch(`${s.url}/media/upload?type=image&access_token=${token}`, { method: 'POST', body: form() })
    ).json()) as { errcode: number; media_id: string };
    expect(r.errcode).toBe(0);
    expect(s.media(r.media_id)?.bytes.toString('hex')).toBe('89504e47');
  });
});

describe('the app’s client', () => {
  it('with the wrong app secret: the token call fails with DingTalk’s code and no send is attempted', async () => {
    const h = await startHarness({
      env: {
        DINGTALK_APP_KEY: DEMO_CREDENTIALS.appKey,
        DINGTALK_APP_SECRET: 'wrong',
        DINGTALK_API_BASE: s.url,
        DINGTALK_OAPI_BASE: s.url,
      },
      channel: { settings: { DINGTALK_MODE: 'http' } },
    });
    try {
      const before = s.requests('/v1.0/robot/oToMessages/batchSend').length;
      await expect(h.channel.sender.send({ userIds: ['a'] }, { kind: 'text', text: 'x' })).rejects.toThrow(
        /invalidClientIdOrSecret/,
      );
      expect(s.requests('/v1.0/robot/oToMessages/batchSend')).toHaveLength(before);
    } finally {
      await h.stop();
    }
  });
});
