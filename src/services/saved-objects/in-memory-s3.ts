/**
 * The stack's S3 when it keeps objects only in memory (LocalStack in a container), with what
 * saving and putting back its objects need. Undefined for every S3 that keeps its objects itself:
 * the native server (on disk), a real S3, a LocalStack Pro with persistence.
 */
import type { ComposeModel } from '../../config/compose/model.js';
import { serviceWithRole } from '../../config/compose/roles.js';
import type { Endpoints } from '../../config/endpoints.js';
import type { Runtime } from '../../runtimes/runtime.js';
import { localstackPersistence } from '../localstack/persistence.js';
import type { S3Settings } from '../s3/client.js';

export interface InMemoryS3 {
  service: string;
  edition: string;
  settings: S3Settings;
  /** The running container's id and start time. */
  instance: string | undefined;
}

export async function inMemoryS3Of(
  runtime: Runtime,
  compose: ComposeModel | undefined,
  endpoints: Endpoints,
  signal?: AbortSignal,
  options: { instance: boolean } = { instance: true },
): Promise<InMemoryS3 | undefined> {
  if (runtime.kind !== 'docker' || !compose || !endpoints.s3Endpoint) return undefined;
  const service = serviceWithRole(compose, 's3');
  if (!service || !/(^|\/)localstack(:|@|$)/.test(service.image ?? '')) return undefined;
  const persistence = await localstackPersistence(endpoints.s3Endpoint, service.environment, signal);
  if (!persistence?.inMemory) return undefined;
  return {
    service: service.name,
    edition: persistence.edition,
    // LocalStack takes any key pair; the configured one keeps requests the same as the app's.
    settings: { endpoint: endpoints.s3Endpoint, region: endpoints.region, accessKey: endpoints.accessKey ?? 'test', secretKey: endpoints.secretKey ?? 'test' },
    instance: options.instance ? await runtime.instanceOf?.(service.name) : undefined,
  };
}
