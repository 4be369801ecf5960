import { chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeRuntime } from '../../src/runtimes/native/native-runtime.js';
import { ProcessRunner } from '../../src/process/runner.js';
import { postgresPlatformPackage } from '../../src/process/postgres-binaries.js';
import { freePort } from '../helpers/no-docker-env.js';
import { eventually, processesWorkingIn } from '../helpers/native-processes.js';

const isRoot = process.getuid?.() === 0;
const made: string[] = [];
const scratch = (mode: number) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datalayer-private-bin-'));
  chmodSync(dir, mode);
  made.push(dir);
  return dir;
};

/** Paths under `dir` that another user could change: not root's, or writable by group or others (links excepted). */
function changeableByOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    const stats = lstatSync(current);
    if (stats.isSymbolicLink()) return;
    if (stats.uid !== 0 || (stats.mode & 0o022) !== 0) found.push(current);
    if (stats.isDirectory()) for (const entry of readdirSync(current)) walk(path.join(current, entry));
  };
  walk(dir);
  return found;
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/**
 * As root, Postgres runs as an unprivileged user that cannot execute binaries under a 0700
 * directory (node_modules in /root/app): they are copied once into a root-only directory it can
 * reach, and run from there.
 */
describe.runIf(isRoot)('PostgreSQL binaries the server user cannot reach', () => {
  it('are copied to a private, root-only directory and Postgres runs from it', async () => {
    const installed = path.dirname(path.dirname(createRequire(import.meta.url).resolve(postgresPlatformPackage())));
    const closed = scratch(0o700);
    const packageCopy = path.join(closed, 'node_modules', 'pkg');
    cpSync(installed, packageCopy, { recursive: true, verbatimSymlinks: true });
    const systemDir = scratch(0o755);
    const host = scratch(0o755);
    const settings = {
      stateDir: path.join(host, '.datalayer'),
      postgres: { port: await freePort(), user: 'chainlit', password: 'private-bin-pw-1', database: 'chainlit' },
      s3: { port: await freePort(), accessKey: 'unused', secretKey: 'unused' },
    };
    const runtime = new NativeRuntime(settings, {
      runner: new ProcessRunner(),
      resolvePackage: () => packageCopy,
      systemDir,
      output: { write: () => undefined },
    });
    try {
      await runtime.start({ services: ['postgres'] });
      const client = new pg.Client({ host: '127.0.0.1', port: settings.postgres.port, user: 'chainlit', password: 'private-bin-pw-1', database: 'chainlit' });
      await client.connect();
      await client.end();
      const [server] = processesWorkingIn(path.join(host, '.datalayer', 'native', 'postgres'));
      expect(readlinkSync(`/proc/${server}/exe`).startsWith(path.join(systemDir, 'postgresql') + path.sep)).toBe(true);
      expect(changeableByOthers(path.join(systemDir, 'postgresql'))).toEqual([]);
    } finally {
      await runtime.stop({ volumes: true });
    }
    await eventually(() => processesWorkingIn(host).length === 0, 'Postgres to stop');
  });
});
