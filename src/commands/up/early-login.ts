import type pg from 'pg';
import type { Endpoints } from '../../config/endpoints.js';
import type { Context } from '../../context/context.js';

/** A Postgres login started ahead of the wait that needs it. */
export interface EarlyLogin {
  /** Hands the login over (once): whoever takes it ends its connection. */
  take(): Promise<pg.Client> | undefined;
  /** Closes its connection, unless it was taken. */
  drop(): void;
}

/**
 * On a stack the last `up` left running (its record is there: `down` removes it), most of another
 * `up` is Postgres' login: a backend forked, the password checked. It starts as soon as the
 * configuration is valid, while the runtime and its services are looked at, and becomes the first
 * attempt of the readiness wait, judged like any other. Not taken by then (a service was not
 * running, the command failed), it is closed; at the latest when the command ends.
 */
export function startEarlyLogin(context: Context, endpoints: Endpoints, deadline: number): EarlyLogin {
  // The wait's own attempt, from the module the wait loads.
  let login: Promise<pg.Client> | undefined = import('../../services/postgres/ready.js').then(({ loginAttempt }) => loginAttempt(endpoints.databaseUrl, deadline));
  // Judged by whoever takes it; a failed login that nobody takes is simply dropped.
  login.catch(() => undefined);
  const take = () => {
    const taken = login;
    login = undefined;
    return taken;
  };
  const drop = () => {
    void take()?.then(
      (client) => client.end().catch(() => undefined),
      () => undefined,
    );
  };
  context.onCleanup(drop);
  return { take, drop };
}
