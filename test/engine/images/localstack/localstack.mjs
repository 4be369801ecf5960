#!/usr/bin/env node
// A LocalStack stand-in for machines that cannot pull the real image: S3 on the gateway port
// (4566), /_localstack/health and /_localstack/init, init hooks run with `awslocal` on PATH, and
// all state in memory, as in LocalStack community. With STANDIN_REQUIRES_AUTH_TOKEN=1 it behaves
// like the real `:latest` image since 2026-03: without LOCALSTACK_AUTH_TOKEN it exits with code 55.
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InitHooks } from './init-hooks.mjs';
import { createS3Handler } from './s3-handler.mjs';
import { S3Store } from './s3-store.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const VERSION = '4.12.0';
const env = process.env;

function log(message, level = 'INFO') {
  process.stdout.write(`${new Date().toISOString().replace('Z', '')}  ${level} --- [  MainThread] localstack.standin : ${message}\n`);
}

const tokenRequired = env.STANDIN_REQUIRES_AUTH_TOKEN === '1';
const token = env.LOCALSTACK_AUTH_TOKEN || env.LOCALSTACK_API_KEY || '';
if (tokenRequired && token === '') {
  process.stderr.write(
    [
      '',
      `LocalStack version: ${VERSION} (stand-in of the image that needs an auth token)`,
      '===============================================',
      'License activation failed!',
      '',
      'Reason: no auth token was found in the environment of this container.',
      'Set LOCALSTACK_AUTH_TOKEN in the environment of the LocalStack container.',
      '===============================================',
      '',
    ].join('\n'),
  );
  process.exit(55);
}

const [host, portText] = (env.GATEWAY_LISTEN || '0.0.0.0:4566').split(',')[0].split(/:(?=\d+$)/);
const store = new S3Store();
const handleS3 = createS3Handler(store, (line) => log(line));
const hooks = new InitHooks(env.STANDIN_INIT_ROOT || '/etc/localstack/init', {
  cwd: env.STANDIN_WORKDIR || process.cwd(),
  env: { ...env, PATH: `${path.join(here, 'bin')}${path.delimiter}${env.PATH ?? ''}` },
  log: (line) => log(line),
});
let s3State = 'available';

function json(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function internal(request, response) {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/_localstack/health') {
    const services = { s3: s3State, sqs: 'disabled', sns: 'disabled', lambda: 'disabled', dynamodb: 'disabled' };
    return json(response, 200, { services, edition: tokenRequired ? 'pro' : 'community', version: VERSION });
  }
  const init = /^\/_localstack\/init(?:\/(\w+))?\/?$/.exec(url.pathname);
  if (init) {
    const stage = init[1]?.toUpperCase();
    if (stage && !(stage in hooks.completed)) return json(response, 404, { error: `unknown stage ${init[1]}` });
    return json(response, 200, hooks.report(stage));
  }
  return json(response, 404, { error: `no such endpoint ${url.pathname}` });
}

const server = createServer((request, response) => {
  const pathname = (request.url ?? '/').split('?')[0];
  const handled = pathname.startsWith('/_localstack/') ? Promise.resolve(internal(request, response)) : handleS3(request, response);
  handled.catch((error) => {
    log(`internal error: ${error?.stack ?? error}`, 'ERROR');
    if (!response.headersSent) json(response, 500, { error: String(error) });
    else response.destroy();
  });
});

function stop(signal) {
  log(`Received ${signal}, shutting down (state is kept in memory only and is now gone)`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

await hooks.discover();
await hooks.run('BOOT');
server.listen(Number(portText), host, async () => {
  const address = server.address();
  log(`Running on ${typeof address === 'object' && address ? `${address.address}:${address.port}` : portText} (S3 only, state in memory)`);
  await hooks.run('START');
  s3State = 'running';
  await hooks.run('READY');
  log('Ready.');
});
