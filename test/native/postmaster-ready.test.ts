import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postmasterSaysReady } from '../../src/runtimes/native/postmaster-lock.js';
import { startRealPostgres } from '../helpers/real-postgres.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'datalayer-postmaster-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A postmaster.pid as PostgreSQL 16 writes it, with the given status on its 8th line. */
function lockWith(status: string | undefined): string {
  const dir = mkdtempSync(path.join(scratch, 'data-'));
  const lines = ['4242', dir, '1700000000', '5432', '/tmp', '127.0.0.1', '  5432001    32768'];
  if (status !== undefined) lines.push(status);
  writeFileSync(path.join(dir, 'postmaster.pid'), `${lines.join('\n')}\n`);
  return dir;
}

describe('postmasterSaysReady: the first start waits on the server’s own status line', () => {
  it('ready only once the status line says so; starting, no status yet, or no lock file are not', async () => {
    expect(await postmasterSaysReady(lockWith('ready   '))).toBe(true);
    expect(await postmasterSaysReady(lockWith('starting'))).toBe(false);
    expect(await postmasterSaysReady(lockWith(undefined))).toBe(false);
    expect(await postmasterSaysReady(mkdtempSync(path.join(scratch, 'empty-')))).toBe(false);
  });

  it('a running PostgreSQL 16 says ready in its lock file', async () => {
    const server = await startRealPostgres({ user: 'chainlit', password: 'ready-pass-51d', database: 'postgres' });
    try {
      expect(await postmasterSaysReady(server.dataDir)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
