/** The variables datalayer reads, by role: Chainlit's own names, and the seed's names for the stack. */

export const SECRET_KEYS = [
  'CHAINLIT_AUTH_SECRET',
  'CHAINLIT_PASSWORD',
  'POSTGRES_PASSWORD',
  'APP_AWS_SECRET_KEY',
  'APP_AWS_ACCESS_KEY',
  'LOCALSTACK_AUTH_TOKEN',
  'APP_GCS_PRIVATE_KEY',
  'APP_AZURE_STORAGE_ACCESS_KEY',
] as const;

export const S3_KEYS = ['APP_AWS_ACCESS_KEY', 'APP_AWS_SECRET_KEY', 'APP_AWS_REGION'] as const;
export const GCS_KEYS = ['APP_GCS_PROJECT_ID', 'APP_GCS_CLIENT_EMAIL', 'APP_GCS_PRIVATE_KEY'] as const;
export const AZURE_KEYS = ['APP_AZURE_STORAGE_ACCOUNT', 'APP_AZURE_STORAGE_ACCESS_KEY'] as const;

/** Ports the services listen on inside the compose network, whatever is published. */
export const CONTAINER_PORTS = { postgres: 5432, localstack: 4566 } as const;

/**
 * Defaults the fork's compose file applies when a key is absent (it publishes each service on
 * its container port). The one place these values are written: `.env`'s template, the endpoints,
 * the native runtime and the rules all read them from here.
 */
export const COMPOSE_DEFAULTS = {
  POSTGRES_USER: 'root',
  POSTGRES_PASSWORD: 'root',
  POSTGRES_DB: 'postgres',
  POSTGRES_PORT: `${CONTAINER_PORTS.postgres}`,
  LOCALSTACK_PORT: `${CONTAINER_PORTS.localstack}`,
} as const;

/** The bucket the fork's LocalStack init script creates, whatever BUCKET_NAME says. */
export const INIT_SCRIPT_BUCKET = 'my-bucket';

export const DEFAULT_SUBMODULE_PATH = 'extern/chainlit-datalayer';

/** Where `init` gets the submodule from by default: the fork OpenRAG uses. */
export const DEFAULT_SUBMODULE_URL = 'https://github.com/OpenLLM-France/chainlit-datalayer.git';

/** What `--runtime` and DATALAYER_RUNTIME accept. */
export const RUNTIME_CHOICES = ['auto', 'docker', 'native'] as const;
export type RuntimeChoice = (typeof RUNTIME_CHOICES)[number];
