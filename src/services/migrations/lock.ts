import type pg from 'pg';
import { RefusedError } from '../../support/errors.js';
import { sleep } from '../../support/poll.js';

/** The advisory lock key `prisma migrate` takes, so the two never migrate the same database at once. */
export const prismaMigrationLockKey = 72707369;

/** How long Prisma waits for the lock before giving up. */
export const defaultLockTimeoutMs = 10_000;

const retryIntervalMs = 200;

export interface LockOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Takes Prisma's session-level advisory lock on this connection (held until released or the
 * connection closes). Polls `pg_try_advisory_lock` so an abort or the timeout ends the wait
 * without leaving a blocked query behind.
 */
export async function acquireMigrationLock(client: pg.Client, options: LockOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? defaultLockTimeoutMs;
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      prismaMigrationLockKey,
    ]);
    if (result.rows[0]?.locked === true) return;
    if (Date.now() >= giveUpAt) break;
    await sleep(Math.min(retryIntervalMs, giveUpAt - Date.now()), options.signal);
  }
  throw new RefusedError(
    `Another migrator holds the migration lock (pg_advisory_lock ${prismaMigrationLockKey}); gave up after ${Math.round(timeoutMs / 1000)} s.`,
    {
      hint: 'Another migration (by datalayer or `prisma migrate`) is running against this database. Let it finish, then retry.',
      data: { lockKey: prismaMigrationLockKey },
    },
  );
}

export async function releaseMigrationLock(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1)', [prismaMigrationLockKey]);
}
