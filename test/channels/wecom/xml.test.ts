/**
 * The flat `<xml>` fast path of parseXmlRoot (src/channels/wecom/xml.ts, issue #17) answers exactly what the
 * validator and the parser answer: the same object for every callback shape the platform sends (envelope, text,
 * image, file, events, card clicks), for hand-written edge cases, and for thousands of seeded mutations of them
 * (each either parsed the same by both, or refused by both).
 */
import { describe, expect, it } from 'vitest';
import { parseXmlRoot, parseXmlRootStrict } from '../../../src/channels/wecom/xml.js';
import { WecomTestClient } from '../../support/wecom/client.js';

const client = new WecomTestClient({
  corpId: 'wwcorp',
  token: 'tok',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  agentId: 1000002,
});

const outcome = (f: (t: string) => Record<string, unknown>, text: string) => {
  try {
    return { ok: f(text) };
  } catch (e) {
    return { refused: (e as Error).name };
  }
};
const same = (text: string) => expect(outcome(parseXmlRoot, text), text).toEqual(outcome(parseXmlRootStrict, text));

const samples = [
  client.text('zhangsan', '我参加了吗'),
  client.text('u', ' 前后有空格 '),
  client.text('u', 'a]]>b <tag> & &amp; "q"'),
  client.text('u', '多行\n文本\r\n'),
  client.text('u', ''),
  client.image('u', 'media-1', 'https://example.com/a.png'),
  client.event('u', 'enter_agent'),
  client.cardClick('u', 'claim-1-l1-x', 'approve:1', 'code-1'),
  client.seal(client.text('u', '排名')).body,
  '<xml><A><![CDATA[ x ]]></A><B> 12 </B><C></C><D/><E><![CDATA[]]></E></xml>',
  '<xml><A> <![CDATA[x]]> </A></xml>',
  '<xml>\n <A>1</A>\n</xml>',
  '<xml><A>1</A><A>2</A></xml>',
  '<xml><A><![CDATA[a]]><![CDATA[b]]></A></xml>',
  '<xml><A>a<![CDATA[b]]>c</A></xml>',
  '<xml></xml>',
  '<xml><A><B>1</B></A></xml>',
  '<xml><A x="1">v</A></xml>',
  '<?xml version="1.0"?><xml><A>1</A></xml>',
  '<xml><__proto__>1</__proto__></xml>',
  '<xml><constructor>1</constructor></xml>',
  '<xml><A>1</B></xml>',
  '<xml><A>1</A>',
  '<xml><A>a]]>b</A></xml>',
  '<xml><A>\u0001</A></xml>',
  '<xml><A>&lt;</A></xml>',
  '<XML><A>1</A></XML>',
  '  <xml><A>1</A></xml>  ',
  '<xml><A>1</A>trailing</xml>',
  '<xml><A>1</A></xml><xml><B>2</B></xml>',
];

/** a seeded PRNG (mulberry32): the same mutations every run */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const PIECES = [
  '<',
  '>',
  '/',
  ']]>',
  '<![CDATA[',
  ']',
  '&',
  ' ',
  '\n',
  'A',
  '<A>',
  '</A>',
  '<xml>',
  '</xml>',
  '"',
  '\u0000',
];

describe('parseXmlRoot’s fast path', () => {
  it('answers every callback shape and edge case as the validator and the parser do', () => {
    for (const s of samples) same(s);
    // the envelope and a message really take the fast path's shape
    expect(parseXmlRoot(client.text('u', '我参加了吗'))).toMatchObject({ MsgType: 'text', Content: '我参加了吗' });
  });

  it('answers seeded mutations of them as the validator and the parser do', () => {
    const next = rng(17);
    for (let i = 0; i < 5_000; i++) {
      const base = samples[Math.floor(next() * samples.length)] ?? '';
      let text = base;
      for (let k = 1 + Math.floor(next() * 3); k > 0; k--) {
        const at = Math.floor(next() * (text.length + 1));
        const cut = next() < 0.5 ? Math.floor(next() * 4) : 0;
        const piece = PIECES[Math.floor(next() * PIECES.length)] ?? '';
        text = text.slice(0, at) + piece + text.slice(at + cut);
      }
      same(text);
    }
  });
});
