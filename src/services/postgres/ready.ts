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
}

export interface PostgresReady {
  /** `server_version` as reported by the server, e.g. "16.4 (Debian 16.4-1.pgdg120+1)". */
  serverVersion: string;
}

/**
 * Waits until Postgres accepts a login with the URL's credentials and answers a query.
 * Wrong credentials or a missing database end the wait at once (exit 3): retrying cannot help.
 */
export async function waitForPostgres(options: WaitForPostgresOptions): Promise<PostgresReady> {
  const password = passwordOf(options.url);
  const probe = async (): Promise<ProbeOutcome<PostgresReady>> => {
    const connectTimeoutMs = attemptBudget(options.deadline, defaultConnectTimeoutMs);
    let client;
    try {
      client = await openPostgresClient(options.url, { connectTimeoutMs });
      const result = await client.query<{ ok: number; version: string }>(
        "SELECT 1 AS ok, current_setting('server_version') AS version",
      );
      return { done: true, value: { serverVersion: result.rows[0]?.version ?? 'unknown' } };
    } catch (error) {
      const failure = classifyPostgresError(error, password);
      if (failure.permanent) throw postgresFailureError(failure, options.url);
      return { done: false, reason: failure.reason };
    } finally {
      await client?.end().catch(() => undefined); // closing a probe connection cannot change the verdict
    }
  };
  return pollUntil(probe, { ...options, label: `Postgres at ${describePostgresUrl(options.url)}` });
}
