/**
 * The local WeCom server refuses what WeCom refuses (WECOM.md §4–§6), so a test that passes against it has not
 * merely been accepted by a permissive fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalWecomServer } from '../../../src/local/wecom/local-server.js';

let s: LocalWecomServer;
let token: string;
beforeAll(async () => {
  s = await LocalWecomServer.start();
  const r = await fetch(`${s.url}/cgi-bin/gettoken?corpid=${s.creds.corpId}&corpsecret=${s.creds.secret}`);
  token = ((await r.json()) as { access_token: string }).access_token;
});
afterAll(() => s.close());

const send = async (body: Record<string, unknown>, t = token) => {
  const r = await fetch(`${s.url}/cgi-bin/message/send?access_token=${t}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  return (await r.json()) as { errcode: number; errmsg: string; response_code?: string };
};

describe('local WeCom server checks', () => {
  it('gettoken: same token while valid; wrong corp id 40013, wrong secret 40001', async () => {
    const again = await fetch(`${s.url}/cgi-bin/gettoken?corpid=${s.creds.corpId}&corpsecret=${s.creds.secret}`).then(
      (r) => r.json(),
    );
    expect(again).toMatchObject({ errcode: 0, access_token: token });
    expect(
      await fetch(`${s.url}/cgi-bin/gettoken?corpid=x&corpsecret=${s.creds.secret}`).then((r) => r.json()),
    ).toMatchObject({ errcode: 40013 });
    expect(
      await fetch(`${s.url}/cgi-bin/gettoken?corpid=${s.creds.corpId}&corpsecret=x`).then((r) => r.json()),
    ).toMatchObject({ errcode: 40001 });
  });

  const agentid = () => s.creds.agentId;

  it.each([
    ['no token', {}, 41001, ''],
    ['unknown token', {}, 40014, 'nope'],
  ])('%s', async (_n, body, errcode, t) => {
    expect((await send(body, t as string)).errcode).toBe(errcode);
  });

  it('agentid, recipients, msgtype and content are required; lengths in bytes', async () => {
    expect((await send({ touser: 'u', msgtype: 'text', text: { content: 'x' } })).errcode).toBe(41011);
    expect((await send({ touser: 'u', agentid: 1, msgtype: 'text', text: { content: 'x' } })).errcode).toBe(40056);
    expect((await send({ agentid: agentid(), msgtype: 'text', text: { content: 'x' } })).errcode).toBe(81013);
    expect((await send({ touser: 'u', agentid: agentid(), msgtype: 'text', text: { content: '' } })).errcode).toBe(
      44004,
    );
    expect((await send({ touser: 'u', agentid: agentid(), msgtype: 'voice', voice: {} })).errcode).toBe(40008);
    const big = '互'.repeat(683); // 2049 bytes
    expect(
      (await send({ touser: 'u', agentid: agentid(), msgtype: 'markdown', markdown: { content: big } })).errmsg,
    ).toMatch(/exceed max length 2048/);
    expect(
      (await send({ touser: 'u', agentid: agentid(), msgtype: 'markdown', markdown: { content: big.slice(1) } }))
        .errcode,
    ).toBe(0);
    expect(
      (await send({ touser: 'u', agentid: agentid(), msgtype: 'image', image: { media_id: 'none' } })).errcode,
    ).toBe(40007);
  });

  it('template cards: task_id charset, button_list, card_action; response_code only for interactive cards', async () => {
    const base = { touser: 'u', agentid: agentid(), msgtype: 'template_card' };
    const button = {
      card_type: 'button_interaction',
      main_title: { title: 't' },
      button_list: [{ text: '同意', key: 'a' }],
    };
    expect((await send({ ...base, template_card: { ...button } })).errmsg).toMatch(/task_id is required/);
    expect((await send({ ...base, template_card: { ...button, task_id: 'a b' } })).errmsg).toMatch(/task_id invalid/);
    expect((await send({ ...base, template_card: { ...button, task_id: 'x'.repeat(129) } })).errmsg).toMatch(
      /task_id invalid/,
    );
    expect((await send({ ...base, template_card: { ...button, task_id: 't1', button_list: [] } })).errmsg).toMatch(
      /button_list/,
    );
    expect(
      (await send({ ...base, template_card: { ...button, task_id: 't1', button_list: [{ text: 'a' }] } })).errmsg,
    ).toMatch(/key is required/);
    const ok = await send({ ...base, template_card: { ...button, task_id: 't-1@x_' } });
    expect(ok.errcode).toBe(0);
    expect(ok.response_code).toBeTruthy();
    const notice = { card_type: 'text_notice', main_title: { title: 't' } };
    expect((await send({ ...base, template_card: notice })).errmsg).toMatch(/card_action is required/);
    const n = await send({
      ...base,
      template_card: { ...notice, card_action: { type: 1, url: 'https://a.example/' } },
    });
    expect(n).toMatchObject({ errcode: 0 });
    expect(n.response_code).toBeUndefined();
  });

  it('faults: the next N calls answer the injected error, then normal service', async () => {
    s.failNext(2, { errcode: -1 });
    s.failNext(1, { httpStatus: 500 });
    const body = { touser: 'u', agentid: agentid(), msgtype: 'text', text: { content: 'x' } };
    expect((await send(body)).errcode).toBe(-1);
    expect((await send(body)).errcode).toBe(-1);
    const r = await fetch(`${s.url}/cgi-bin/message/send?access_token=${token}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(500);
    expect((await send(body)).errcode).toBe(0);
  });

  it('media/upload needs the multipart part "media" of more than 5 bytes', async () => {
    const form = new FormData();
    form.append('media', new Blob([Buffer.from('abc')], { type: 'image/png' }), 'a.png');
    const r = await fetch(`${s.url}/cgi-bin/media/upload?access_token=${token}&type=image`, {
      method: 'POST',
      body: form,
    }).then((x) => x.json());
    expect(r).toMatchObject({ errcode: 44001 });
    const bad = await fetch(`${s.url}/cgi-bin/media/upload?access_token=${token}&type=pdf`, {
      method: 'POST',
      body: new FormData(),
    }).then((x) => x.json());
    expect(bad).toMatchObject({ errcode: 40004 });
  });
});
