/**
 * Issue 14: officers open the claim's documents from the card. Each document is a short-lived link signed with
 * FILE_LINK_SECRET under PUBLIC_URL (the local mode: the app's own address); the route serves the photo's bytes,
 * fetched from the platform it came in on, only for a valid unexpired signature. Signed callbacks on every platform.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { must } from '../../src/core/must.js';
import { addDays } from '../../src/rules/index.js';
import { DOCUMENT_LINK_TTL_MS, signDocumentLink } from '../../src/services/document-links.js';
import { currentPeriod } from '../../src/services/periods.js';
import { FROZEN_NOW } from '../support/app.js';
import { fileClaim, PHOTO, platforms, useApp } from './harness.js';

const W = 'demo-worker-1';
const OFFICER = 'demo-officer-1';

async function get(url: string) {
  const r = await fetch(url);
  return { status: r.status, type: r.headers.get('content-type') ?? '', bytes: Buffer.from(await r.arrayBuffer()) };
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
