/**
 * The S3-compatible server of the native runtime, spawned detached as
 * `node s3-server-main.js --port N --address 127.0.0.1 --directory DIR [--uid U --gid G]` with the
 * key pair in the environment. When started as root it becomes the given unprivileged user before it
 * touches its directory or reads a request, and it refuses to serve as root. Runs until SIGTERM/SIGINT.
 *
 * It works inside its directory (it enters it first, as root when started as root), so it needs no
 * right on the directories above, and datalayer can tell it is the server of that directory by its
 * working directory. Once it listens it records itself in `server.pid` there.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createS3Server } from './s3-server/server.js';
import { maskSecrets } from './s3-server/request-log.js';
import { S3_ACCESS_KEY_VARIABLE, S3_SECRET_KEY_VARIABLE } from './s3-server-environment.js';
import { processStartTicks } from './process-identity.js';
import { removeS3PidFileSync, S3_PID_FILE, writeS3PidFileSync } from './s3-pid-file.js';
import { s3KeyFingerprint } from './s3-key-fingerprint.js';

interface ServerOptions {
  port: number;
  address: string;
  directory: string;
  user: { uid: number; gid: number } | undefined;
  accessKeyId: string;
  secretAccessKey: string;
}

function readOptions(): ServerOptions {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      address: { type: 'string', default: '127.0.0.1' },
      directory: { type: 'string' },
      uid: { type: 'string' },
      gid: { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  const accessKeyId = process.env[S3_ACCESS_KEY_VARIABLE];
  const secretAccessKey = process.env[S3_SECRET_KEY_VARIABLE];
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be a port number');
  if (!values.directory) throw new Error('--directory is required');
  if (!accessKeyId || !secretAccessKey) throw new Error(`${S3_ACCESS_KEY_VARIABLE} and ${S3_SECRET_KEY_VARIABLE} must be set`);
  if ((values.uid === undefined) !== (values.gid === undefined)) throw new Error('--uid and --gid go together');
  // Nothing started later by this process needs them.
  delete process.env[S3_ACCESS_KEY_VARIABLE];
  delete process.env[S3_SECRET_KEY_VARIABLE];
  const user = values.uid === undefined ? undefined : { uid: idOf(values.uid, '--uid'), gid: idOf(values.gid ?? '', '--gid') };
  return { port, address: values.address, directory: values.directory, user, accessKeyId, secretAccessKey };
}

function idOf(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${option} must be a numeric id`);
  return Number(text);
}

/** Becomes `user` for good (groups, then gid, then uid), and checks that root cannot be regained. */
function dropPrivileges(user: { uid: number; gid: number }): void {
  process.setgroups?.([user.gid]);
  process.setgid?.(user.gid);
  process.setuid?.(user.uid);
  const ids = [process.getuid?.(), process.geteuid?.(), process.getgid?.(), process.getegid?.()];
  if (ids[0] !== user.uid || ids[1] !== user.uid || ids[2] !== user.gid || ids[3] !== user.gid) {
    throw new Error(`could not become uid ${user.uid} gid ${user.gid}`);
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  process.umask(0o077);
  if (!options.user) mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  // Entered before the privileges go: the user it becomes may not traverse the directories above.
  process.chdir(options.directory);
  if (options.user) dropPrivileges(options.user);
  if (process.getuid?.() === 0 || process.geteuid?.() === 0) {
    throw new Error('the S3 server does not run as root: give it --uid and --gid of an unprivileged user');
  }
  const secrets = [options.accessKeyId, options.secretAccessKey];
  const writeLine = (line: string): void => {
    process.stdout.write(`${maskSecrets(line, secrets)}\n`);
  };
  const server = await createS3Server({
    directory: '.',
    keys: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    log: writeLine,
    listen: { port: options.port, host: options.address },
  });
  // Only once it listens: a second server started on the same directory fails on the port first.
  writeS3PidFileSync(S3_PID_FILE, {
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    port: options.port,
    keyFingerprint: s3KeyFingerprint(options.accessKeyId, options.secretAccessKey),
    startedAt: new Date().toISOString(),
  });
  writeLine(`${new Date().toISOString()} S3 server listening on ${options.address}:${options.port}, data in ${options.directory}`);
  const shutdown = (signal: NodeJS.Signals): void => {
    writeLine(`${new Date().toISOString()} S3 server stopping (${signal})`);
    removeS3PidFileSync(S3_PID_FILE, process.pid);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`S3 server failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
