/**
 * The XML of S3's answers, and reading the few small request documents S3 takes (bucket CORS,
 * multi-object delete, multipart completion, bucket location). Those documents have a fixed, flat
 * shape, so they are read with patterns, never with an entity-expanding parser; a DOCTYPE is refused.
 */
import { S3Error } from './errors.js';

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export type XmlNode = string | number | boolean | undefined | XmlNode[] | { [tag: string]: XmlNode };

/** Elements from a plain object: arrays repeat their tag, undefined is left out. */
export function toXml(node: XmlNode): string {
  if (node === undefined) return '';
  if (typeof node !== 'object') return escapeXml(String(node));
  if (Array.isArray(node)) return node.map(toXml).join('');
  return Object.entries(node)
    .map(([tag, value]) => {
      if (value === undefined) return '';
      if (Array.isArray(value)) return value.map((item) => `<${tag}>${toXml(item)}</${tag}>`).join('');
      return `<${tag}>${toXml(value)}</${tag}>`;
    })
    .join('');
}

export function xmlDocument(root: string, content: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${toXml(content)}</${root}>`;
}

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[entity] ?? '';
  });
}

/** The text of each `<tag>` element inside `xml` (not nested in another `<tag>`). */
export function elements(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

export function textOf(xml: string, tag: string): string | undefined {
  const [first] = elements(xml, tag);
  return first === undefined ? undefined : unescapeXml(first.trim());
}

/** The request document as text; the root element must be `root`. */
export function readRequestXml(body: Buffer, root: string): string {
  const text = body.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformed();
  if (!new RegExp(`<${root}(?:\\s[^>]*)?>[\\s\\S]*</${root}>`).test(text)) throw malformed();
  return text;
}

export function malformed(): S3Error {
  return new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
}
