/**
 * XML in and out. Parsing uses fast-xml-parser with entity processing off (no expansion, no DOCTYPE tricks) and
 * every value kept as a string: MsgId is a 64-bit integer that a JS number would corrupt.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

export class XmlError extends Error {}

/**
 * The shape of nearly every callback, read without the general parser (issue #17: validating and parsing the
 * envelope and the message was a tenth of a callback's own CPU): `<xml>` with flat children, each a single CDATA
 * section (kept as is) or plain text (trimmed), or empty. Anything else — a declaration, attributes, nesting, a
 * repeated name, an entity, mixed content, whitespace around a CDATA section, a control character or a carriage return — returns null and
 * goes through the validator and the parser, so the fast path only ever answers what the parser would
 * (test/channels/wecom/xml.test.ts compares the two).
 */
const FLAT_ROOT = /^\s*<xml>([\s\S]*)<\/xml>\s*$/;
const FLAT_CHILD = /\s*<([A-Za-z_][A-Za-z0-9_]*)(?:\/>|>(?:<!\[CDATA\[((?:[^\]]|\](?!\]>))*)\]\]>|([^<&]*))<\/\1>)/y;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\ufffe\uffff]/;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype', 'xml']);

function parseFlat(text: string): Record<string, string> | null {
  const body = FLAT_ROOT.exec(text)?.[1];
  if (body === undefined || CONTROL.test(text)) return null;
  const out: Record<string, string> = {};
  let at = 0;
  let children = 0;
  for (;;) {
    FLAT_CHILD.lastIndex = at;
    const m = FLAT_CHILD.exec(body);
    if (!m) break;
    const [whole, name, cdataText, plain] = m;
    if (!name || RESERVED.has(name) || Object.hasOwn(out, name)) return null;
    if (plain?.includes(']]>')) return null;
    out[name] = cdataText ?? plain?.trim() ?? '';
    at += whole.length;
    children++;
  }
  return children > 0 && body.slice(at).trim() === '' ? out : null;
}

/** The `<xml>` root's children as a plain object; throws XmlError on anything that is not well-formed `<xml>`. */
export function parseXmlRoot(text: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('DOCTYPE/ENTITY not accepted');
  return parseFlat(text) ?? parseXmlRootStrict(text);
}

/** parseXmlRoot through the validator and the parser only (the fast path's reference) */
export function parseXmlRootStrict(text: string): Record<string, unknown> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('DOCTYPE/ENTITY not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`not well-formed: ${valid.err.msg}`);
  const doc = parser.parse(text) as Record<string, unknown>;
  const root = doc.xml;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new XmlError('no <xml> root');
  return root as Record<string, unknown>;
}

/** wraps text in CDATA, splitting any `]]>` inside it so it cannot close the section early */
export function cdata(text: string): string {
  return `<![CDATA[${text.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** `<xml><Name>value</Name>…</xml>` with every string value in CDATA and numbers bare, as WeCom writes it */
export function buildXml(fields: Record<string, string | number | undefined>): string {
  let out = '<xml>';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out += `<${k}>${typeof v === 'number' ? String(v) : cdata(v)}</${k}>`;
  }
  return `${out}</xml>`;
}
