import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, NotReadyError } from '../../src/support/errors.js';
import { classifyPostgresError, describePostgresUrl } from '../../src/services/postgres/connect.js';
import { waitForPostgres } from '../../src/services/postgres/ready.js';
import { freePort, startRealPostgres, type RealPostgres } from '../helpers/real-postgres.js';

const password = 'Pg-Pass-7d1f0c';
let server: RealPostgres;

beforeAll(async () => {
  server = await startRealPostgres({ user: 'chainlit', password, database: 'chainlit' });
});
afterAll(async () => {
  await server?.stop();
});

function withCredentials(url: string, changes: { password?: string; database?: string; port?: number }): string {
  const parsed = new URL(url);
  if (changes.password !== undefined) parsed.password = changes.password;
  if (changes.database !== undefined) parsed.pathname = `/${changes.database}`;
  if (changes.port !== undefined) parsed.port = String(changes.port);
  return parsed.toString();
}

describe('waitForPostgres against a real server', () => {
  it('logs in with the credentials and reports the server version', async () => {
    const ready = await waitForPostgres({ url: server.url, deadline: Date.now() + 10_000 });
    expect(ready.serverVersion).toMatch(/^16\./);
  });

  it('closes its connection, or hands it over open with keepClient: the same session, for the next steps', async () => {
    const closed = await waitForPostgres({ url: server.url, deadline: Date.now() + 10_000 });
    expect(closed.client).toBeUndefined();
    const ready = await waitForPostgres({ url: server.url, deadline: Date.now() + 10_000, keepClient: true });
    try {
      const [session] = (await ready.client!.query<{ pid: number; name: string }>('SELECT pg_backend_pid() AS pid, application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()')).rows;
      expect(session).toMatchObject({ name: 'datalayer' });
      expect(typeof session!.pid).toBe('number');
    } finally {
      await ready.client!.end();
    }
  });

  it('gives up at the deadline, not before, with NotReadyError naming Postgres and the refused connection', async () => {
    const closedPort = await freePort();
    const reasons: string[] = [];
    const deadline = Date.now() + 2_000;
    const error = await waitForPostgres({
      url: withCredentials(server.url, { port: closedPort }),
      deadline,
      intervalMs: 200,
      onWait: (reason) => reasons.push(reason),
    }).catch((caught: unknown) => caught);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).exitCode).toBe(5);
    expect((error as NotReadyError).message).toContain(`Postgres at 127.0.0.1:${closedPort}/chainlit`);
    expect((error as NotReadyError).message).toContain('connection refused');
    // It kept trying at its interval until the deadline, then stopped: at most one probe per pause.
    expect(reasons.length).toBeGreaterThan(1);
    expect(reasons.length).toBeLessThanOrEqual(2_000 / 200 + 1);
  });

  it('stops at once on a wrong password (exit 3), naming the variables but never the password', async () => {
    const wrongPassword = 'Wrong-Pass-99e3ab';
    const waits: string[] = [];
    const error = await waitForPostgres({
      url: withCredentials(server.url, { password: wrongPassword }),
      deadline: Date.now() + 30_000,
      onWait: (reason) => waits.push(reason),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    // At once: the first refusal ends the wait, no second attempt.
    expect(waits).toEqual([]);
    const configError = error as ConfigError;
    expect(configError.exitCode).toBe(3);
    expect(configError.hint).toMatch(/POSTGRES_USER \/ POSTGRES_PASSWORD/);
    expect(configError.hint).toMatch(/data directory keeps the password/);
    const everything = `${configError.message} ${configError.hint} ${JSON.stringify(configError.data)}`;
    expect(everything).not.toContain(wrongPassword);
    expect(everything).not.toContain(password);
  });

  it('stops at once when the database does not exist (exit 3, naming POSTGRES_DB)', async () => {
    const error = await waitForPostgres({
      url: withCredentials(server.url, { database: 'no_such_db' }),
      deadline: Date.now() + 30_000,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('no_such_db');
    expect((error as ConfigError).hint).toContain('POSTGRES_DB');
  });

  it('ends the wait with the check hook error, e.g. when the server process exited', async () => {
    const closedPort = await freePort();
    const exited = new NotReadyError('postgres exited');
    let rounds = 0;
    await expect(
      waitForPostgres({
        url: withCredentials(server.url, { port: closedPort }),
        deadline: Date.now() + 30_000,
        intervalMs: 50,
        check: async () => {
          if (++rounds === 2) throw exited;
        },
      }),
    ).rejects.toBe(exited);
  });
});

describe('classifyPostgresError', () => {
  const cases: Array<[string, unknown, string, boolean]> = [
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'refused', false],
    ['refused on every address', new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), 'refused', false],
    ['starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' }), 'starting', false],
    ['wrong password', Object.assign(new Error('password authentication failed for user "root"'), { code: '28P01' }), 'auth', true],
    ['unknown role', Object.assign(new Error('role "x" does not exist'), { code: '28000' }), 'auth', true],
    ['no password given', new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), 'auth', true],
    ['missing database', Object.assign(new Error('database "x" does not exist'), { code: '3D000' }), 'database-missing', true],
    ['unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND postgres'), { code: 'ENOTFOUND' }), 'host-not-found', true],
    ['connect timeout', new Error('Connection terminated due to connection timeout'), 'timeout', false],
  ];
  it.each(cases)('%s', (_name, error, kind, permanent) => {
    const failure = classifyPostgresError(error);
    expect(failure.kind).toBe(kind);
    expect(failure.permanent).toBe(permanent);
  });

  it('scrubs the password out of a server message that would echo it', () => {
    const failure = classifyPostgresError(new Error('bad value s3cr3t-value in startup'), 's3cr3t-value');
    expect(failure.reason).not.toContain('s3cr3t-value');
  });

  it('describes a URL without its password', () => {
    expect(describePostgresUrl('postgresql://root:hunter22@localhost:5433/chainlit')).toBe('localhost:5433/chainlit as root');
  });
});

describe('startRealPostgres', () => {
  it('can be killed like a crash, after which nothing answers, and still cleans up', async () => {
    const crashing = await startRealPostgres({ user: 'chainlit', password, database: 'chainlit' });
    await waitForPostgres({ url: crashing.url, deadline: Date.now() + 5_000 });
    await crashing.kill9();
    expect(() => process.kill(crashing.pid, 0)).toThrow();
    await expect(waitForPostgres({ url: crashing.url, deadline: Date.now() + 500, intervalMs: 100 })).rejects.toBeInstanceOf(
      NotReadyError,
    );
    await crashing.stop();
    expect(existsSync(crashing.dataDir)).toBe(false);
  });
});
