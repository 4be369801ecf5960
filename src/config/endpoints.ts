import { nonEmpty, type HostConfig } from './host-config.js';
import { COMPOSE_DEFAULTS, CONTAINER_PORTS } from './keys.js';
import { parsePort } from './schema.js';

/** Where each service is, seen from a process on the host and from a container of the compose project. */
export interface Endpoints {
  /** What datalayer itself (and a Chainlit app on the host) connects to. */
  databaseUrl: string;
  /** The URL for an app container in the same compose project (local state only). */
  containerDatabaseUrl?: string;
  /** S3 endpoint from the host; undefined means AWS itself. */
  s3Endpoint?: string;
  containerS3Endpoint?: string;
  postgresPort?: number;
  s3Port?: number;
  bucket?: string;
  region: string;
  accessKey?: string;
  secretKey?: string;
}

/** What an S3 call needs, when `.env` configures S3 fully (bucket and key pair); else undefined. */
export interface BucketTarget {
  bucket: string;
  settings: { endpoint?: string; region: string; accessKey: string; secretKey: string };
}

export function bucketTargetOf(endpoints: Endpoints): BucketTarget | undefined {
  const { bucket, accessKey, secretKey } = endpoints;
  if (!bucket || !accessKey || !secretKey) return undefined;
  return {
    bucket,
    settings: { ...(endpoints.s3Endpoint ? { endpoint: endpoints.s3Endpoint } : {}), region: endpoints.region, accessKey, secretKey },
  };
}

const HOST_SIDE_NAMES = new Set(['postgres', 'localhost', '127.0.0.1', 'localstack', '::1', '[::1]']);

export function endpointsOf(config: HostConfig): Endpoints {
  const values = config.values;
  const common = {
    region: nonEmpty(values.APP_AWS_REGION) ?? 'us-east-1',
    ...optional('bucket', nonEmpty(values.BUCKET_NAME)),
    ...optional('accessKey', nonEmpty(values.APP_AWS_ACCESS_KEY)),
    ...optional('secretKey', nonEmpty(values.APP_AWS_SECRET_KEY)),
  };
  if (config.state !== 'local') {
    return {
      ...common,
      databaseUrl: nonEmpty(values.DATABASE_URL) ?? '',
      ...optional('s3Endpoint', nonEmpty(values.DEV_AWS_ENDPOINT)),
    };
  }
  const postgresPort = parsePort(nonEmpty(values.POSTGRES_PORT) ?? COMPOSE_DEFAULTS.POSTGRES_PORT) ?? CONTAINER_PORTS.postgres;
  const s3Port = parsePort(nonEmpty(values.LOCALSTACK_PORT) ?? COMPOSE_DEFAULTS.LOCALSTACK_PORT) ?? CONTAINER_PORTS.localstack;
  const base = postgresBaseUrl(values);
  return {
    ...common,
    postgresPort,
    s3Port,
    databaseUrl: withHost(base, 'localhost', postgresPort),
    containerDatabaseUrl: withHost(base, 'postgres', CONTAINER_PORTS.postgres),
    s3Endpoint: `http://localhost:${s3Port}`,
    containerS3Endpoint: `http://localstack:${CONTAINER_PORTS.localstack}`,
  };
}

/** DATABASE_URL when it names this stack, else one built from POSTGRES_* (with the compose file's defaults). */
function postgresBaseUrl(values: Record<string, string>): URL {
  const declared = nonEmpty(values.DATABASE_URL);
  if (declared && URL.canParse(declared)) {
    const url = new URL(declared);
    if (HOST_SIDE_NAMES.has(url.hostname.toLowerCase())) return url;
  }
  const user = nonEmpty(values.POSTGRES_USER) ?? COMPOSE_DEFAULTS.POSTGRES_USER;
  const password = nonEmpty(values.POSTGRES_PASSWORD) ?? COMPOSE_DEFAULTS.POSTGRES_PASSWORD;
  const database = nonEmpty(values.POSTGRES_DB) ?? COMPOSE_DEFAULTS.POSTGRES_DB;
  const url = new URL('postgresql://localhost/');
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url;
}

function withHost(base: URL, host: string, port: number): string {
  const url = new URL(base.toString());
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
