import type pg from 'pg';
import { attemptBudget, pollUntil, type ProbeOutcome, type WaitOptions } from '../../support/poll.js';
import {
  classifyPostgresError,
  defaultConnectTimeoutMs,
  describePostgresUrl,
  openPostgresClient,
  passwordOf,
  postgresFailureError,
} from './connect.js';

/** `check` throws to stop waiting, e.g. when the Postgres container or process has exited. */
export interface WaitForPostgresOptions extends WaitOptions {
  url: string;
  /** Hand the connection that proved the login to the caller (who ends it) instead of closing it. */
  keepClient?: boolean;
  /** A login already under way: the first attempt, judged like any other. */
  firstAttempt?: Promise<pg.Client>;
}

export interface PostgresReady {
  /** `server_version` as reported by the server, e.g. "16.4 (Debian 16.4-1.pgdg120+1)". */
  serverVersion: string;
  /** With `keepClient`: the open connection, for the next steps to use without another login. */
  client?: pg.Client;
}

/** One login attempt of the wait: a connection to the URL, given what is left before the deadline. */
export function loginAttempt(url: string, deadline: number): Promise<pg.Client> {
  return openPostgresClient(url, { connectTimeoutMs: attemptBudget(deadline, defaultConnectTimeoutMs) });
}

/**
 * Waits until Postgres accepts a login with the URL's credentials and answers a query.
 * Wrong credentials or a missing database end the wait at once (exit 3): retrying cannot help.
 */
export async function waitForPostgres(options: WaitForPostgresOptions): Promise<PostgresReady> {
  const password = passwordOf(options.url);
  // A probe still connecting when the wait ends (an interrupt) closes its connection when it finishes.
  let waitEnded = false;
  let firstAttempt = options.firstAttempt;
  const probe = async (): Promise<ProbeOutcome<PostgresReady>> => {
    const underWay = firstAttempt;
    firstAttempt = undefined;
    let client: pg.Client | undefined;
    let kept = false;
    try {
      client = await (underWay ?? loginAttempt(options.url, options.deadline));
      const result = await client.query<{ ok: number; version: string }>(
        "SELECT 1 AS ok, current_setting('server_version') AS version",
      );
      const serverVersion = result.rows[0]?.version ?? 'unknown';
      kept = options.keepClient === true && !waitEnded;
      return { done: true, value: kept ? { serverVersion, client } : { serverVersion } };
    } catch (error) {
      const failure = classifyPostgresError(error, password);
      if (failure.permanent) throw postgresFailureError(failure, options.url);
      return { done: false, reason: failure.reason };
    } finally {
      if (!kept) await client?.end().catch(() => undefined); // closing a probe connection cannot change the verdict
    }
  };
  try {
    return await pollUntil(probe, { ...options, label: `Postgres at ${describePostgresUrl(options.url)}` });
  } finally {
    waitEnded = true;
  }
}
