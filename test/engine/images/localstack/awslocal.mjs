#!/usr/bin/env node
// `awslocal` of the LocalStack stand-in: the aws CLI commands an init script uses (`s3 mb`,
// `s3api create-bucket`, `s3api put-bucket-cors`, and a few to look around), sent unsigned to the
// stand-in's own gateway. Exit codes as the aws CLI: 252 usage, 254 service error.
import { readFileSync, writeFileSync } from 'node:fs';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const tagValues = (xml, tag) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);

class UsageError extends Error {}
/** A high-level `s3` command that failed: printed as is, exit 1 (as `aws s3` does). */
class CommandFailed extends Error {}
class ServiceError extends Error {
  constructor(code, message, operation) {
    super(`An error occurred (${code}) when calling the ${operation} operation: ${message}`);
  }
}

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) positional.push(arg);
    else if (['--force', '--no-cli-pager', '--debug', '--no-verify-ssl', '--no-sign-request', '--recursive'].includes(arg)) options[arg.slice(2)] = true;
    else if (i + 1 < argv.length) options[arg.slice(2)] = argv[++i];
    else throw new UsageError(`argument ${arg}: expected one argument`);
  }
  return { positional, options };
}

/** A parameter value as the aws CLI reads it: `file://path`, JSON, or `Key=Value,Key=Value` shorthand. */
function structured(value) {
  const text = value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8') : value;
  if (/^\s*[{[]/.test(text)) return JSON.parse(text);
  return Object.fromEntries(text.split(',').map((pair) => pair.split('=', 2).map((part) => part.trim())));
}

function required(options, name) {
  if (options[name] === undefined) throw new UsageError(`the following arguments are required: --${name}`);
  return options[name];
}

function s3Url(value) {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(value ?? '');
  if (!match) throw new UsageError(`Invalid argument type: expected s3://bucket[/key], got ${value}`);
  return { bucket: match[1], key: match[2] };
}

function client(options) {
  const port = (process.env.GATEWAY_LISTEN || '').split(',')[0].split(':').pop() || process.env.EDGE_PORT || '4566';
  const endpoint = (options['endpoint-url'] || process.env.AWS_ENDPOINT_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  const region = options.region || process.env.AWS_DEFAULT_REGION || process.env.AWS_REGION || 'us-east-1';
  const call = async (operation, method, path, body, headers = {}) => {
    const response = await fetch(`${endpoint}${path}`, { method, body, headers });
    const text = method === 'HEAD' ? '' : await response.text();
    if (!response.ok) throw new ServiceError(tagValues(text, 'Code')[0] ?? String(response.status), tagValues(text, 'Message')[0] ?? response.statusText, operation);
    return { text, response };
  };
  return { call, region };
}

const bucketPath = (bucket, key = '') => `/${encodeURIComponent(bucket)}${key ? `/${key.split('/').map(encodeURIComponent).join('/')}` : ''}`;
const locationBody = (region) => (region === 'us-east-1' ? undefined : `<CreateBucketConfiguration ${NS}><LocationConstraint>${escapeXml(region)}</LocationConstraint></CreateBucketConfiguration>`);

function corsToXml(configuration) {
  const list = (tag, items) => (items ?? []).map((item) => `<${tag}>${escapeXml(item)}</${tag}>`).join('');
  const rules = (configuration.CORSRules ?? []).map(
    (rule) =>
      `<CORSRule>${rule.ID ? `<ID>${escapeXml(rule.ID)}</ID>` : ''}${list('AllowedHeader', rule.AllowedHeaders)}${list('AllowedMethod', rule.AllowedMethods)}` +
      `${list('AllowedOrigin', rule.AllowedOrigins)}${list('ExposeHeader', rule.ExposeHeaders)}${rule.MaxAgeSeconds ? `<MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds>` : ''}</CORSRule>`,
  );
  return `<CORSConfiguration ${NS}>${rules.join('')}</CORSConfiguration>`;
}

const print = (value) => process.stdout.write(`${JSON.stringify(value, null, 4)}\n`);

const s3api = {
  'create-bucket': async ({ call, region }, o) => {
    const bucket = required(o, 'bucket');
    const configured = o['create-bucket-configuration'] ? structured(o['create-bucket-configuration']).LocationConstraint : undefined;
    await call('CreateBucket', 'PUT', bucketPath(bucket), locationBody(configured ?? region));
    print({ Location: (configured ?? region) === 'us-east-1' ? `/${bucket}` : `http://${bucket}.s3.localhost.localstack.cloud:4566/` });
  },
  'put-bucket-cors': async ({ call }, o) => {
    await call('PutBucketCors', 'PUT', `${bucketPath(required(o, 'bucket'))}?cors`, corsToXml(structured(required(o, 'cors-configuration'))), { 'Content-Type': 'application/xml' });
  },
  'get-bucket-cors': async ({ call }, o) => {
    const { text } = await call('GetBucketCors', 'GET', `${bucketPath(required(o, 'bucket'))}?cors`);
    const rules = tagValues(text, 'CORSRule').map((rule) => ({
      AllowedHeaders: tagValues(rule, 'AllowedHeader'),
      AllowedMethods: tagValues(rule, 'AllowedMethod'),
      AllowedOrigins: tagValues(rule, 'AllowedOrigin'),
      ExposeHeaders: tagValues(rule, 'ExposeHeader'),
    }));
    print({ CORSRules: rules });
  },
  'head-bucket': async ({ call }, o) => {
    await call('HeadBucket', 'HEAD', bucketPath(required(o, 'bucket')));
  },
  'delete-bucket': async ({ call }, o) => {
    await call('DeleteBucket', 'DELETE', bucketPath(required(o, 'bucket')));
  },
  'list-buckets': async ({ call }) => {
    const { text } = await call('ListBuckets', 'GET', '/');
    print({ Buckets: tagValues(text, 'Bucket').map((b) => ({ Name: tagValues(b, 'Name')[0], CreationDate: tagValues(b, 'CreationDate')[0] })) });
  },
  'list-objects-v2': async ({ call }, o) => {
    const query = new URLSearchParams({ 'list-type': '2', ...(o.prefix ? { prefix: o.prefix } : {}) });
    const { text } = await call('ListObjectsV2', 'GET', `${bucketPath(required(o, 'bucket'))}?${query}`);
    print({ Contents: tagValues(text, 'Contents').map((c) => ({ Key: tagValues(c, 'Key')[0], Size: Number(tagValues(c, 'Size')[0]) })) });
  },
  'put-object': async ({ call }, o) => {
    const headers = o['content-type'] ? { 'Content-Type': o['content-type'] } : {};
    for (const [key, value] of Object.entries(o.metadata ? structured(o.metadata) : {})) headers[`x-amz-meta-${key}`] = value;
    const { response } = await call('PutObject', 'PUT', bucketPath(required(o, 'bucket'), required(o, 'key')), o.body ? readFileSync(o.body) : '', headers);
    print({ ETag: response.headers.get('etag') });
  },
};

const s3 = {
  mb: async ({ call, region }, _o, [target]) => {
    const { bucket } = s3Url(target);
    await call('CreateBucket', 'PUT', bucketPath(bucket), locationBody(region)).catch((error) => {
      throw new CommandFailed(`make_bucket failed: ${target} ${error.message}`);
    });
    process.stdout.write(`make_bucket: ${bucket}\n`);
  },
  ls: async ({ call }, _o, [target]) => {
    if (!target) {
      const { text } = await call('ListBuckets', 'GET', '/');
      for (const b of tagValues(text, 'Bucket')) process.stdout.write(`${tagValues(b, 'CreationDate')[0]?.slice(0, 19).replace('T', ' ')} ${tagValues(b, 'Name')[0]}\n`);
      return;
    }
    const { bucket, key } = s3Url(target);
    const { text } = await call('ListObjectsV2', 'GET', `${bucketPath(bucket)}?${new URLSearchParams({ 'list-type': '2', prefix: key })}`);
    for (const c of tagValues(text, 'Contents')) process.stdout.write(`${tagValues(c, 'Size')[0]?.padStart(10)} ${tagValues(c, 'Key')[0]}\n`);
  },
  cp: async ({ call }, o, [from, to]) => {
    if (from?.startsWith('s3://')) {
      const { bucket, key } = s3Url(from);
      const { text } = await call('GetObject', 'GET', bucketPath(bucket, key));
      if (to === '-') process.stdout.write(text);
      else writeFileSync(to, text);
      return;
    }
    const { bucket, key } = s3Url(to);
    await call('PutObject', 'PUT', bucketPath(bucket, key || from.split('/').pop()), readFileSync(from), o['content-type'] ? { 'Content-Type': o['content-type'] } : {});
    process.stdout.write(`upload: ${from} to ${to}\n`);
  },
};

async function main(argv) {
  const { positional, options } = parseArgs(argv);
  const [service, command, ...rest] = positional;
  const table = service === 's3api' ? s3api : service === 's3' ? s3 : undefined;
  const handler = table?.[command];
  if (!handler) throw new UsageError(`awslocal (LocalStack stand-in) does not support \`${[service, command].filter(Boolean).join(' ')}\`; supported: s3 ${Object.keys(s3).join('|')}, s3api ${Object.keys(s3api).join('|')}`);
  await handler(client(options), options, rest);
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`usage: awslocal <service> <command> [parameters]\nawslocal: error: ${error.message}\n`);
    process.exitCode = 252;
  } else if (error instanceof CommandFailed) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof ServiceError) {
    process.stderr.write(`\n${error.message}\n`);
    process.exitCode = 254;
  } else {
    process.stderr.write(`\n${error?.message ?? error}\n`);
    process.exitCode = 255;
  }
}
