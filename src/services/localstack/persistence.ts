/**
 * Whether a LocalStack keeps its S3 objects only in memory. Community LocalStack always does
 * (persistence is a Pro feature since 1.0); Pro keeps them across restarts only with PERSISTENCE=1.
 * Either way its objects are gone after `docker compose down`, a restart or a crash, while the
 * database rows that point at them are kept: datalayer keeps a copy for it.
 */
import { parseLocalstackHealth } from './health.js';
import { httpGet } from './http-get.js';

export type ObjectPersistence =
  | { inMemory: true; edition: string }
  | { inMemory: false; edition: string }
  /** Nothing answered /_localstack/health: not running, or not a LocalStack. */
  | undefined;

export async function localstackPersistence(endpoint: string, environment: Record<string, string>, signal?: AbortSignal): Promise<ObjectPersistence> {
  let body: unknown;
  try {
    const answer = await httpGet(`${endpoint.replace(/\/+$/, '')}/_localstack/health`, { timeoutMs: 3_000, signal });
    if (answer.status < 200 || answer.status >= 300) return undefined;
    body = JSON.parse(answer.text);
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
