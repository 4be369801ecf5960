/**
 * Whether a LocalStack keeps its S3 objects only in memory. Community LocalStack always does
 * (persistence is a Pro feature since 1.0); Pro keeps them across restarts only with PERSISTENCE=1.
 * Either way its objects are gone after `docker compose down`, a restart or a crash, while the
 * database rows that point at them are kept: datalayer keeps a copy for it.
 */
import { httpGetLoopbackFirst } from '../loopback.js';
import { parseLocalstackHealth } from './health.js';

export type ObjectPersistence =
  | { inMemory: true; edition: string }
  | { inMemory: false; edition: string }
  /** Nothing answered /_localstack/health: not running, or not a LocalStack. */
  | undefined;

export async function localstackPersistence(endpoint: string, environment: Record<string, string>, signal?: AbortSignal): Promise<ObjectPersistence> {
  const timeout = AbortSignal.timeout(3_000);
  let body: unknown;
  try {
    const response = await httpGetLoopbackFirst(`${endpoint.replace(/\/+$/, '')}/_localstack/health`, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (response.status < 200 || response.status > 299) return undefined;
    body = JSON.parse(response.text);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    // Refused, timed out, or not JSON: no LocalStack answers there to save anything from.
    if (error instanceof Error) return undefined;
    throw error;
  }
  const edition = parseLocalstackHealth(body).edition ?? 'community';
  const persistence = /^(1|true|yes)$/i.test(environment.PERSISTENCE ?? '');
  return { inMemory: edition === 'community' || !persistence, edition };
}
