/**
 * A bucket's CORS configuration, as S3 reads, stores and applies it: browsers ask a preflight
 * (OPTIONS, unsigned, answered from these rules) before a cross-origin upload or download.
 */
import { S3Error } from './errors.js';
import { elements, readRequestXml, textOf, unescapeXml, xmlDocument } from './xml.js';

export interface CorsRule {
  id?: string;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number;
}

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);

export function parseCorsConfiguration(body: Buffer): CorsRule[] {
  const xml = readRequestXml(body, 'CORSConfiguration');
  const rules = elements(xml, 'CORSRule').map((rule): CorsRule => {
    const values = (tag: string) => elements(rule, tag).map((value) => unescapeXml(value.trim()));
    const maxAge = textOf(rule, 'MaxAgeSeconds');
    const parsed: CorsRule = {
      allowedOrigins: values('AllowedOrigin'),
      allowedMethods: values('AllowedMethod'),
      allowedHeaders: values('AllowedHeader'),
      exposeHeaders: values('ExposeHeader'),
      ...(textOf(rule, 'ID') === undefined ? {} : { id: textOf(rule, 'ID') }),
      ...(maxAge === undefined ? {} : { maxAgeSeconds: Number(maxAge) }),
    };
    if (parsed.allowedOrigins.length === 0 || parsed.allowedMethods.length === 0) {
      throw new S3Error('MalformedXML', 'Each CORSRule needs at least one AllowedOrigin and one AllowedMethod.');
    }
    const unknown = parsed.allowedMethods.find((method) => !METHODS.has(method));
    if (unknown !== undefined) throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${unknown}`);
    if (parsed.maxAgeSeconds !== undefined && !Number.isInteger(parsed.maxAgeSeconds)) throw new S3Error('MalformedXML', 'MaxAgeSeconds must be an integer.');
    return parsed;
  });
  if (rules.length === 0 || rules.length > 100) throw new S3Error('MalformedXML', 'A CORS configuration has between 1 and 100 rules.');
  return rules;
}

export function corsConfigurationXml(rules: readonly CorsRule[]): string {
  return xmlDocument('CORSConfiguration', {
    CORSRule: rules.map((rule) => ({
      ID: rule.id,
      AllowedHeader: rule.allowedHeaders,
      AllowedMethod: rule.allowedMethods,
      AllowedOrigin: rule.allowedOrigins,
      ExposeHeader: rule.exposeHeaders,
      MaxAgeSeconds: rule.maxAgeSeconds,
    })),
  });
}

/** `*` matches any run of characters; comparison is case-insensitive for headers only. */
function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, ignoreCase ? 'i' : '').test(value);
}

export interface CorsRequest {
  origin: string;
  method: string;
  /** Headers the browser will send (Access-Control-Request-Headers), lower-case. */
  headers: string[];
}

/** The first rule that allows the request, as S3 picks it. */
export function matchCorsRule(rules: readonly CorsRule[], request: CorsRequest): CorsRule | undefined {
  return rules.find(
    (rule) =>
      rule.allowedOrigins.some((origin) => wildcardMatch(origin, request.origin, false)) &&
      rule.allowedMethods.includes(request.method) &&
      request.headers.every((header) => rule.allowedHeaders.some((allowed) => wildcardMatch(allowed, header, true))),
  );
}

/** The response headers that grant a matched request. */
export function corsResponseHeaders(rule: CorsRule, request: CorsRequest, preflight: boolean): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*');
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': anyOrigin ? '*' : request.origin,
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
    Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!anyOrigin) headers['Access-Control-Allow-Credentials'] = 'true';
  if (rule.exposeHeaders.length > 0) headers['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  if (preflight && request.headers.length > 0) headers['Access-Control-Allow-Headers'] = request.headers.join(', ');
  if (preflight && rule.maxAgeSeconds !== undefined) headers['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  return headers;
}
