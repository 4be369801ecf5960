import type { HostConfig } from '../config/host-config.js';
import type { Context } from '../context/context.js';
import { isDatalayerError } from '../support/errors.js';
import type { Diagnostic } from '../support/diagnostic.js';
import { maskUrlPassword } from '../report/redactor.js';
import { bucketTargetOf, endpointsOf } from '../config/endpoints.js';

export interface ConnectionReport {
  service: string;
  ok: boolean;
  target: string;
  message: string;
}

/** `check --connect`: one login to Postgres and one signed request to S3, at the host-side addresses. */
export async function connectToServices(
  config: HostConfig,
  context: Pick<Context, 'signal'>,
): Promise<{ connections: ConnectionReport[]; diagnostics: Diagnostic[] }> {
  const endpoints = endpointsOf(config);
  const connections: ConnectionReport[] = [];
  const diagnostics: Diagnostic[] = [];
  const record = (service: string, target: string, outcome: { ok: true; message: string } | { ok: false; error: unknown }) => {
    if (outcome.ok) {
      connections.push({ service, ok: true, target, message: outcome.message });
      return;
    }
    const error = outcome.error;
    const message = error instanceof Error ? error.message : String(error);
    connections.push({ service, ok: false, target, message });
    diagnostics.push({
      severity: 'error',
      code: service === 'postgres' ? 'CONNECT_POSTGRES_FAILED' : 'CONNECT_S3_FAILED',
      message,
      ...(isDatalayerError(error) && error.hint ? { hint: error.hint } : { hint: 'Is it running? `datalayer up` starts it.' }),
    });
  };

  const pgTarget = maskUrlPassword(endpoints.databaseUrl);
  try {
    const { connectOrExplain } = await import('./postgres/connect.js');
    const client = await connectOrExplain(endpoints.databaseUrl);
    try {
      const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version;
      record('postgres', pgTarget, { ok: true, message: `logged in at ${pgTarget} (PostgreSQL ${version ?? '?'})` });
    } finally {
      await client.end();
    }
  } catch (error) {
    record('postgres', pgTarget, { ok: false, error });
  }

  const target = bucketTargetOf(endpoints);
  if (target) {
    const s3Target = endpoints.s3Endpoint ?? `AWS ${endpoints.region}`;
    try {
      const { ensureBucket } = await import('./s3/ensure.js');
      const result = await ensureBucket({ ...target.settings, bucket: target.bucket, create: false, signal: context.signal });
      record('s3', s3Target, { ok: true, message: `bucket ${target.bucket} reachable at ${s3Target}${result.cors === 'present' ? ' (CORS set)' : ''}` });
    } catch (error) {
      record('s3', s3Target, { ok: false, error });
    }
  }
  return { connections, diagnostics };
}
