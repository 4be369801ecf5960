/**
 * One plain-text line per request: time, method, target, status, S3 error code, duration, and the
 * length of the answer's body.
 * Presigned URLs carry the access key id and a signature that works until it expires: their
 * values are masked, and so is any occurrence of the configured key pair. Bytes outside printable
 * ASCII are escaped, so a hostile key cannot break a line or reach a terminal as a control code.
 */

const MASKED_PARAMETERS = new Set(['x-amz-credential', 'x-amz-signature', 'x-amz-security-token', 'awsaccesskeyid', 'signature']);
const MAX_TARGET = 1024;

export interface RequestLogEntry {
  time: Date;
  method: string;
  url: string;
  status: number;
  code: string;
  milliseconds: number;
  bytes: number;
}

export function maskTarget(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((part) => {
      const name = part.split('=', 1)[0] ?? '';
      return MASKED_PARAMETERS.has(safeDecode(name).toLowerCase()) ? `${name}=****` : part;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

export function escapeForLog(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

export function formatRequestLine(entry: RequestLogEntry, secrets: readonly string[]): string {
  let target = escapeForLog(maskTarget(entry.url));
  if (target.length > MAX_TARGET) target = `${target.slice(0, MAX_TARGET)}...`;
  const code = entry.code === '' ? '' : ` ${entry.code}`;
  const line = `${entry.time.toISOString()} ${escapeForLog(entry.method)} ${target} ${entry.status}${code} ${Math.round(entry.milliseconds)}ms ${entry.bytes}b`;
  return maskSecrets(line, secrets);
}

/** Replaces each secret (and its URL-encoded form) by ****. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('****');
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    if (error instanceof URIError) return text;
    throw error;
  }
}
