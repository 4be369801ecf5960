/**
 * The S3-compatible server of the native runtime, spawned detached as
 * `node s3-server-main.js --port N --address 127.0.0.1 --directory DIR` with the key pair in the
 * environment. It serves s3rver with only that key pair registered, until SIGTERM or SIGINT.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { S3_ACCESS_KEY_VARIABLE, S3_SECRET_KEY_VARIABLE } from './s3-server-environment.js';

interface S3rverOptions {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  /** Path-style URLs on 127.0.0.1, like LocalStack with DEV_AWS_ENDPOINT. */
  vhostBuckets: boolean;
}
interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
  accessKeys: Map<string, string>;
}

// s3rver is CommonJS without type declarations: load it with require and describe what is used.
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: S3rverOptions) => S3rverServer;
// s3rver checks access key ids against the key pairs of this account (its only one).
const { DUMMY_ACCOUNT: account } = require('s3rver/lib/models/account.js') as { DUMMY_ACCOUNT: S3rverAccount };

function readOptions(): S3rverOptions & { accessKey: string; secretKey: string } {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      address: { type: 'string', default: '127.0.0.1' },
      directory: { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  const accessKey = process.env[S3_ACCESS_KEY_VARIABLE];
  const secretKey = process.env[S3_SECRET_KEY_VARIABLE];
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be a port number');
  if (!values.directory) throw new Error('--directory is required');
  if (!accessKey || !secretKey) throw new Error(`${S3_ACCESS_KEY_VARIABLE} and ${S3_SECRET_KEY_VARIABLE} must be set`);
  // Nothing started later by this process needs them.
  delete process.env[S3_ACCESS_KEY_VARIABLE];
  delete process.env[S3_SECRET_KEY_VARIABLE];
  return { port, address: values.address, directory: values.directory, silent: false, vhostBuckets: false, accessKey, secretKey };
}

/**
 * s3rver's logger colours its output even into a file, and logs request URLs, where a presigned
 * URL carries the access key id: the log is kept as plain text with the key pair masked.
 */
function writePlainTextToStdout(secrets: readonly string[]): void {
  const escapeSequences = /\u001b\[[0-9;]*m/g;
  const clean = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('****'), text.replace(escapeSequences, ''));
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(typeof chunk === 'string' ? clean(chunk) : Buffer.isBuffer(chunk) ? clean(chunk.toString('utf8')) : chunk, ...rest)) as typeof process.stdout.write;
}

async function main(): Promise<void> {
  const { accessKey, secretKey, ...serverOptions } = readOptions();
  writePlainTextToStdout([accessKey, secretKey, encodeURIComponent(accessKey)].filter((s) => s.length >= 3));
  mkdirSync(serverOptions.directory, { recursive: true, mode: 0o700 });
  // Only the configured pair is accepted: drop s3rver's built-in one.
  for (const existing of [...account.accessKeys.keys()]) account.revokeAccessKey(existing);
  account.createKeyPair(accessKey, secretKey);
  const server = new S3rver(serverOptions);
  const { address, port } = await server.run();
  process.stdout.write(`S3 server listening on ${address}:${port}, data in ${serverOptions.directory}\n`);
  const shutdown = (signal: NodeJS.Signals): void => {
    process.stdout.write(`S3 server stopping (${signal})\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`S3 server did not close cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`S3 server failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
