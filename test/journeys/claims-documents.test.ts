/**
 * Issue 14: officers open the claim's documents from the card. Each document is a short-lived link signed with
 * FILE_LINK_SECRET under PUBLIC_URL (the local mode: the app's own address); the route serves the photo's bytes,
 * kept when the photo arrived (the platform forgets it: WeCom after 3 days), only for a valid unexpired signature.
 * A card that shows at most 3 links (WeCom) links the signed page of every document in the third place. The
 * worker's 已提交 is a planned message, received once. Signed callbacks on every platform.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { must } from '../../src/core/must.js';
import { addDays } from '../../src/rules/index.js';
import { DOCUMENT_LINK_TTL_MS, signDocumentLink } from '../../src/services/document-links.js';
import { currentPeriod } from '../../src/services/periods.js';
import { FROZEN_NOW } from '../support/app.js';
import type { PlatformDriver, SeenCard } from '../support/driver.js';
import { fileClaim, PHOTO, platforms, said, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

async function get(url: string) {
  const r = await fetch(url);
  return {
    status: r.status,
    type: r.headers.get('content-type') ?? '',
    cache: r.headers.get('cache-control') ?? '',
    disposition: r.headers.get('content-disposition') ?? '',
    bytes: Buffer.from(await r.arrayBuffer()),
  };
}

/** photo k of a claim: the same PNG with a different tail, so each document can be told from the others */
const photo = (k: number) => Buffer.concat([PHOTO, Buffer.from(`photo-${k}`)]);

/** the worker fills the form with `n` photos and confirms; the claim number from the bot's 已提交 */
async function claimWithPhotos(d: PlatformDriver, admitted: string, discharged: string, n: number) {
  for (const text of ['申请补助', '海南省人民医院', admitted, discharged, '3万', '1万', '8000', '否'])
    await d.say(W, text);
  for (let k = 1; k <= n; k++) expect(said(await d.sendImage(W, photo(k)))).toContain(`第 ${k} 张`);
  await d.say(W, '完成');
  const m = /#(\d+) 已提交/.exec(said(await d.say(W, '确认')));
  return Number(must(m?.[1], 'the claim was submitted'));
}

function officerCard(d: PlatformDriver, id: number): SeenCard {
  return must(
    d
      .inbox(OFFICER)
      .filter((m) => m.card?.title.includes(`#${id}`))
      .at(-1)?.card,
    'the claim’s card in the officer’s inbox',
  );
}

/** every document a card gives access to: its links, and the links of the index page it links (relative to it) */
async function reachable(card: SeenCard): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  for (const l of card.links ?? []) {
    const u = new URL(l.url);
    if (u.pathname.endsWith('/all')) {
      const page = await get(u.toString());
      expect(page.status).toBe(200);
      expect(page.type).toMatch(/^text\/html/);
      expect(page.cache).toBe('private, no-store');
      for (const [, href] of page.bytes.toString().matchAll(/href="([^"]+)"/g)) {
        const doc = new URL(must(href, 'an href').replaceAll('&amp;', '&'), u);
        found.set(doc.pathname, (await get(doc.toString())).bytes);
      }
    } else found.set(u.pathname, (await get(u.toString())).bytes);
  }
  return found;
}

describe.each(platforms)('claim documents for officers on %s', (platform) => {
  const ctx = useApp(platform);
  const db = () => ctx.t.rt.db;

  it("the officer's card links each document; the link serves the photo only while its signature holds", async () => {
    const { policy } = await currentPeriod(db());
    const { id } = await fileClaim(ctx.d, W, {
      admitted: addDays(policy.startsOn, 3),
      discharged: addDays(policy.startsOn, 6),
      total: '2万',
      basic: '5000',
      selfPaid: '1万',
    });
    const card = must(
      ctx.d
        .inbox(OFFICER)
        .filter((m) => m.card?.title.includes(`#${id}`))
        .at(-1)?.card,
      'the claim’s card in the inbox',
    );
    expect(card.links?.map((l) => l.text)).toEqual(['单据 1']);
    const url = new URL(must(card.links?.[0], 'the card links the document').url);
    expect(`${url.origin}/`).toBe(new URL('/', ctx.t.app.url).toString());
    expect(url.pathname).toBe(`/files/claims/${id}/1`);

    const ok = await get(url.toString());
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('image/png');
    expect(ok.bytes.equals(PHOTO)).toBe(true);

    const refused = async (u: URL, status: number) => {
      const r = await get(u.toString());
      expect(r.status).toBe(status);
      expect(r.bytes.includes(PHOTO)).toBe(false);
    };
    const sig = must(url.searchParams.get('sig'), 'the link is signed');
    const tampered = new URL(url);
    tampered.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`);
    await refused(tampered, 403);
    const later = new URL(url);
    later.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 3600));
    await refused(later, 403);
    // the same signature on another claim, or another document of this one
    const other = new URL(url);
    other.pathname = `/files/claims/${id === 1 ? 2 : 1}/1`;
    await refused(other, 403);
    const second = new URL(url);
    second.pathname = `/files/claims/${id}/2`;
    await refused(second, 403);
    const unsigned = new URL(url);
    unsigned.search = '';
    await refused(unsigned, 401);
    // a link signed with the app's own key, but longer ago than it is good for
    const old = signDocumentLink(
      {
        secret: ctx.t.rt.config.FILE_LINK_SECRET,
        now: () => new Date(FROZEN_NOW.getTime() - DOCUMENT_LINK_TTL_MS - 1000),
      },
      ctx.t.app.url,
      id,
      1,
    );
    const expired = await get(old);
    expect(expired.status).toBe(410);
    expect(expired.bytes.toString()).toContain('过期');

    // the worker's own messages carry no link to the documents
    expect(ctx.d.inbox(W).some((m) => JSON.stringify(m.raw).includes('/files/claims/'))).toBe(false);
  });

  it('the photo is kept when it arrives: its link serves it after the platform forgot it; 已提交 arrives once', async () => {
    const { policy } = await currentPeriod(db());
    const id = await claimWithPhotos(ctx.d, addDays(policy.startsOn, 10), addDays(policy.startsOn, 12), 1);
    const kept = await db().claimDocument.findMany({ where: { claimId: id } });
    expect(kept).toHaveLength(1);
    expect(Buffer.from(must(kept[0], 'the kept photo').bytes).equals(photo(1))).toBe(true);
    expect(kept[0]?.contentType).toBe('image/png');

    // the worker was told the claim number once (a planned message, not also the turn's answer), and the
    // platform's retry of 确认 tells them nothing again
    const submitted = () => ctx.d.inbox(W).filter((m) => m.text.includes(`#${id} 已提交`));
    expect(submitted()).toHaveLength(1);
    expect(said(await ctx.d.redeliverLast(W))).not.toContain('已提交');
    expect(submitted()).toHaveLength(1);
    const rows = await db().delivery.findMany({ where: { key: { contains: `:submitted:${platform}:${W}` } } });
    expect(rows.filter((r) => r.key.startsWith(`claim:${id}:`)).map((r) => r.status)).toEqual(['sent']);

    const url = must(officerCard(ctx.d, id).links?.[0], 'the card links the document').url;
    ctx.d.expireMedia();
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.type).toBe('image/png');
    expect(r.cache).toBe('private, no-store');
    expect(r.disposition).toBe(`inline; filename="claim-${id}-1"`);
    expect(r.bytes.equals(photo(1))).toBe(true);

    // a claim from before photos were kept: the link falls back to the platform, which has forgotten it
    await db().claimDocument.deleteMany({ where: { claimId: id } });
    const gone = await get(url);
    expect(gone.status).toBe(502);
    expect(gone.bytes.toString()).toContain('暂时取不到');
    expect(gone.bytes.includes(photo(1))).toBe(false);
  });

  it('5 photos: every one is reachable from the officer’s card, through the signed index where links run out', async () => {
    const { policy } = await currentPeriod(db());
    const id = await claimWithPhotos(ctx.d, addDays(policy.startsOn, 20), addDays(policy.startsOn, 22), 5);
    expect(await db().claimDocument.count({ where: { claimId: id } })).toBe(5);
    ctx.d.expireMedia();
    const card = officerCard(ctx.d, id);
    const texts = (card.links ?? []).map((l) => l.text);
    // WeCom's template card takes 3 links: the third is the page of them all
    if (platform === 'wecom') expect(texts).toEqual(['单据 1', '单据 2', '全部 5 张']);
    else expect(texts).toEqual(['单据 1', '单据 2', '单据 3', '单据 4', '单据 5']);
    const found = await reachable(card);
    expect([...found.keys()].sort()).toEqual([1, 2, 3, 4, 5].map((n) => `/files/claims/${id}/${n}`));
    for (let n = 1; n <= 5; n++) expect(found.get(`/files/claims/${id}/${n}`)?.equals(photo(n))).toBe(true);

    // the index page is refused like a document's link
    const key = { secret: ctx.t.rt.config.FILE_LINK_SECRET, now: () => FROZEN_NOW };
    const index = new URL(signDocumentLink(key, ctx.t.app.url, id, 'all'));
    expect((await get(index.toString())).bytes.toString()).toContain(`共 5 张`);
    const unsigned = new URL(index);
    unsigned.search = '';
    expect((await get(unsigned.toString())).status).toBe(401);
    // its signature opens no document, and a document's opens no index
    const asDocument = new URL(index);
    asDocument.pathname = `/files/claims/${id}/1`;
    expect((await get(asDocument.toString())).status).toBe(403);
    const docLink = new URL(signDocumentLink(key, ctx.t.app.url, id, 1));
    docLink.pathname = `/files/claims/${id}/all`;
    expect((await get(docLink.toString())).status).toBe(403);
    const otherClaim = new URL(index);
    otherClaim.pathname = `/files/claims/${id - 1}/all`;
    expect((await get(otherClaim.toString())).status).toBe(403);
    const old = signDocumentLink(
      { ...key, now: () => new Date(FROZEN_NOW.getTime() - DOCUMENT_LINK_TTL_MS - 1000) },
      ctx.t.app.url,
      id,
      'all',
    );
    const expired = await get(old);
    expect(expired.status).toBe(410);
    expect(expired.bytes.toString()).not.toContain('/files/claims/');
    // the page's links expire with it: the page lends none of them a longer life
    const page = (await get(index.toString())).bytes.toString();
    for (const [, exp] of page.matchAll(/exp=(\d+)/g)) expect(exp).toBe(index.searchParams.get('exp'));

    expect(ctx.d.inbox(W).some((m) => JSON.stringify(m.raw).includes('/files/claims/'))).toBe(false);
  });

  it('a photo above 10 MB is refused politely and not added; the form goes on', async () => {
    const { policy } = await currentPeriod(db());
    for (const text of [
      '申请补助',
      '海南省人民医院',
      addDays(policy.startsOn, 30),
      addDays(policy.startsOn, 31),
      '3万',
      '1万',
      '8000',
      '否',
    ])
      await ctx.d.say(W, text);
    const documentsBefore = await db().claimDocument.count();
    const big = Buffer.concat([PHOTO, Buffer.alloc(10 * 1024 * 1024)]);
    expect(said(await ctx.d.sendImage(W, big))).toContain('超过 10MB');
    expect(await db().claimDocument.count()).toBe(documentsBefore);
    expect(said(await ctx.d.sendImage(W, photo(9)))).toContain('第 1 张');
    expect(await db().claimDocument.count()).toBe(documentsBefore + 1);
    await ctx.d.say(W, '取消');
  });
});

describe('the document links key', () => {
  it('production refuses the demo key once PUBLIC_URL is set, and names the variable', () => {
    const prod = {
      NODE_ENV: 'production',
      ID_HASH_KEY: 'a-key-of-our-own-0123456789',
      PUBLIC_URL: 'https://huzhu.example.cn',
    };
    expect(() => loadConfig(prod)).toThrow(/FILE_LINK_SECRET/);
    expect(loadConfig({ ...prod, FILE_LINK_SECRET: 'x'.repeat(40) }).FILE_LINK_SECRET).toBe('x'.repeat(40));
  });
});
