// Bucket CORS as S3 applies it: the first rule whose origin, method and requested headers all
// match answers a preflight; the same rule decorates the actual request.
import { S3Error } from './s3-store.mjs';

function wildcard(pattern, value, caseless) {
  const [p, v] = caseless ? [pattern.toLowerCase(), value.toLowerCase()] : [pattern, value];
  const regex = new RegExp(`^${p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(v);
}

function matchingRule(bucket, origin, method, requestHeaders) {
  return (bucket.cors ?? []).find(
    (rule) =>
      rule.allowedOrigins.some((allowed) => wildcard(allowed, origin, false)) &&
      rule.allowedMethods.includes(method) &&
      requestHeaders.every((header) => rule.allowedHeaders.some((allowed) => wildcard(allowed, header, true))),
  );
}

function allowHeaders(rule, origin) {
  const anyOrigin = rule.allowedOrigins.includes('*');
  return {
    'Access-Control-Allow-Origin': anyOrigin ? '*' : origin,
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
    ...(anyOrigin ? {} : { 'Access-Control-Allow-Credentials': 'true' }),
    ...(rule.exposeHeaders.length > 0 ? { 'Access-Control-Expose-Headers': rule.exposeHeaders.join(', ') } : {}),
    ...(rule.maxAgeSeconds ? { 'Access-Control-Max-Age': rule.maxAgeSeconds } : {}),
    Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}

/** The headers of a successful preflight (OPTIONS); throws S3's 403 otherwise. */
export function preflight(bucket, request) {
  const origin = request.headers.origin;
  const method = request.headers['access-control-request-method'];
  if (!origin || !method) {
    throw new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
  }
  if (!bucket.cors) throw new S3Error(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
  const requested = (request.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((header) => header.trim())
    .filter(Boolean);
  const rule = matchingRule(bucket, origin, method, requested);
  if (!rule) throw new S3Error(403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.');
  return { ...allowHeaders(rule, origin), ...(requested.length > 0 ? { 'Access-Control-Allow-Headers': requested.join(', ') } : {}) };
}

/** Headers for an actual cross-origin request, or none when no rule allows it. */
export function corsHeadersFor(bucket, request) {
  const origin = request.headers.origin;
  if (!origin || !bucket?.cors) return {};
  const rule = matchingRule(bucket, origin, request.method, []);
  return rule ? allowHeaders(rule, origin) : {};
}
