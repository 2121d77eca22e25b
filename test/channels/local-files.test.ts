/**
 * The local platform servers take files as the real ones do: WeCom media/upload type=file then a `file` message
 * naming its media_id (an unknown or an image's media_id refused 40007, a file over 20 MB 40006), media/get naming
 * the file in Content-Disposition; DingTalk oapi media/upload type=file then a sampleFile naming it (an unknown
 * mediaId refused), the robot's download code of a file a user sent answered with its bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CREDENTIALS } from '../../src/local/dingtalk/demo.js';
import { LocalDingtalkServer } from '../../src/local/dingtalk/local-server.js';
import { LocalWecomServer } from '../../src/local/wecom/local-server.js';

const XLSX = Buffer.from('PK\u0003\u0004 a workbook, as far as the server cares', 'latin1');

describe('the local WeCom server and files', () => {
  let s: LocalWecomServer;
  let token: string;
  beforeAll(async () => {
    s = await LocalWecomServer.start();
    const r = await fetch(`${s.url}/cgi-bin/gettoken?corpid=${s.creds.corpId}&corpsecret=${s.creds.secret}`);
    token = ((await r.json()) as { access_token: string }).access_token;
  });
  afterAll(() => s.close());

  const upload = async (type: string, bytes: Buffer, name: string) => {
    const form = new FormData();
    form.append('media', new Blob([bytes]), name);
    const r = await fetch(`${s.url}/cgi-bin/media/upload?access_token=${token}&type=${type}`, {
      method: 'POST',
      body: form,
    });
    return (await r.json()) as { errcode: number; media_id?: string };
  };
  const send = async (body: Record<string, unknown>) =>
    (
      (await (
        await fetch(`${s.url}/cgi-bin/message/send?access_token=${token}`, {
          method: 'POST',
          body: JSON.stringify({ touser: 'u1', agentid: s.creds.agentId, ...body }),
        })
      ).json()) as { errcode: number }
    ).errcode;

  it('a file message names an uploaded file; an unknown or an image media_id is refused 40007', async () => {
    const file = await upload('file', XLSX, '进度表.xlsx');
    expect(file.errcode).toBe(0);
    expect(await send({ msgtype: 'file', file: { media_id: file.media_id } })).toBe(0);
    expect(await send({ msgtype: 'file', file: { media_id: 'm_nope' } })).toBe(40007);
    const image = s.putMedia(XLSX).mediaId;
    expect(await send({ msgtype: 'file', file: { media_id: image } })).toBe(40007);
    expect(await send({ msgtype: 'file', file: {} })).toBe(40007);
  });

  it('a file over 20 MB is refused 40006', async () => {
    expect((await upload('file', Buffer.alloc(20 * 1024 * 1024 + 1), 'big.xlsx')).errcode).toBe(40006);
  });

  it('media/get answers a received file with its name in Content-Disposition', async () => {
    const id = s.putFile(XLSX, '组织 2026.xlsx');
    const r = await fetch(`${s.url}/cgi-bin/media/get?access_token=${token}&media_id=${id}`);
    expect(Buffer.from(await r.arrayBuffer())).toEqual(XLSX);
    expect(r.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('组织 2026.xlsx')}`);
  });
});

describe('the local DingTalk server and files', () => {
  let s: LocalDingtalkServer;
  let token: string;
  beforeAll(async () => {
    s = await LocalDingtalkServer.start();
    const r = await fetch(`${s.url}/v1.0/oauth2/accessToken`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: DEMO_CREDENTIALS.appKey, appSecret: DEMO_CREDENTIALS.appSecret }),
    });
    token = ((await r.json()) as { accessToken: string }).accessToken;
  });
  afterAll(() => s.close());

  const upload = async (type: string, bytes: Buffer) => {
    const form = new FormData();
    form.append('type', type);
    form.append('media', new Blob([bytes]), 'f.xlsx');
    const r = await fetch(`${s.url}/media/upload?access_token=${token}&type=${type}`, { method: 'POST', body: form });
    return (await r.json()) as { errcode: number; media_id?: string; type?: string };
  };
  const batchSend = async (param: Record<string, unknown>) => {
    const r = await fetch(`${s.url}/v1.0/robot/oToMessages/batchSend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
      body: JSON.stringify({
        robotCode: DEMO_CREDENTIALS.robotCode,
        userIds: ['u1'],
        msgKey: 'sampleFile',
        msgParam: JSON.stringify(param),
      }),
    });
    return r.status;
  };

  it('oapi upload type=file, then a sampleFile naming it; an unknown mediaId or a missing field is refused', async () => {
    const up = await upload('file', XLSX);
    expect(up).toMatchObject({ errcode: 0, type: 'file' });
    expect(await batchSend({ mediaId: up.media_id, fileName: '进度表.xlsx', fileType: 'xlsx' })).toBe(200);
    expect(await batchSend({ mediaId: '@nope', fileName: '进度表.xlsx', fileType: 'xlsx' })).toBe(400);
    expect(await batchSend({ mediaId: up.media_id, fileName: '进度表.xlsx' })).toBe(400);
    expect((await upload('video', XLSX)).errcode).toBe(40004);
  });

  it('the download code of a file a user sent gives a URL with its bytes', async () => {
    const code = s.putMedia(XLSX, 'application/octet-stream', '名册.xlsx');
    const r = await fetch(`${s.url}/v1.0/robot/messageFiles/download`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
      body: JSON.stringify({ robotCode: DEMO_CREDENTIALS.robotCode, downloadCode: code }),
    });
    const { downloadUrl } = (await r.json()) as { downloadUrl: string };
    expect(Buffer.from(await (await fetch(downloadUrl)).arrayBuffer())).toEqual(XLSX);
  });
});
