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

/** The `<xml>` root's children as a plain object; throws XmlError on anything that is not well-formed `<xml>`. */
export function parseXmlRoot(text: string): Record<string, unknown> {
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
