// The XML of the S3 API, for the few flat documents the stand-in reads and writes. Request bodies
// (CreateBucketConfiguration, CORSConfiguration, Delete, CompleteMultipartUpload) are shallow and
// fixed in shape, so tag extraction is enough.
import { randomUUID } from 'node:crypto';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(text) {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

/** `<tag>value</tag>`, or nothing for undefined. */
export function el(tag, value) {
  if (value === undefined || value === null) return '';
  return `<${tag}>${value}</${tag}>`;
}

export const text = (tag, value) => (value === undefined || value === null ? '' : el(tag, escapeXml(value)));

export function document(root, inner) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${inner}</${root}>`;
}

/** Every `<tag>...</tag>` body in `xml`, in order (namespace prefixes are not used by clients here). */
export function blocks(xml, tag) {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

export function values(xml, tag) {
  return blocks(xml, tag).map((value) => unescapeXml(value.trim()));
}

export function value(xml, tag) {
  return values(xml, tag)[0];
}

export function errorXml(code, message, resource) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${text('Code', code)}${text('Message', message)}${text('Resource', resource)}${text('RequestId', randomUUID())}</Error>`;
}

/** CORSConfiguration → rules; null when the document has no rule (S3 then says MalformedXML). */
export function parseCors(xml) {
  const rules = blocks(xml, 'CORSRule').map((rule) => ({
    id: value(rule, 'ID'),
    allowedOrigins: values(rule, 'AllowedOrigin'),
    allowedMethods: values(rule, 'AllowedMethod'),
    allowedHeaders: values(rule, 'AllowedHeader'),
    exposeHeaders: values(rule, 'ExposeHeader'),
    maxAgeSeconds: value(rule, 'MaxAgeSeconds'),
  }));
  return rules.length > 0 ? rules : null;
}

export function corsXml(rules) {
  const inner = rules
    .map(
      (rule) =>
        '<CORSRule>' +
        text('ID', rule.id) +
        rule.allowedHeaders.map((v) => text('AllowedHeader', v)).join('') +
        rule.allowedMethods.map((v) => text('AllowedMethod', v)).join('') +
        rule.allowedOrigins.map((v) => text('AllowedOrigin', v)).join('') +
        rule.exposeHeaders.map((v) => text('ExposeHeader', v)).join('') +
        text('MaxAgeSeconds', rule.maxAgeSeconds) +
        '</CORSRule>',
    )
    .join('');
  return document('CORSConfiguration', inner);
}

export function objectEntryXml(object, encodeKey) {
  return el(
    'Contents',
    text('Key', encodeKey(object.key)) +
      text('LastModified', object.lastModified.toISOString()) +
      text('ETag', object.etag) +
      el('Size', object.body.length) +
      el('StorageClass', 'STANDARD'),
  );
}
