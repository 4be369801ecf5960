/** The seed document's `.env` block, verbatim: the file every OpenRAG host starts from. */
export const SEED_ENV = `# Chainlit UI authentication (Necessary for data persistency). Don't add it if it's already included
CHAINLIT_AUTH_SECRET=... # has to be generated with with this command: 'uv run chainlit create-secret' but a random value works too.
CHAINLIT_USERNAME=OpenRAG
CHAINLIT_PASSWORD=OpenRAG2025

## Chainlit data persistency
# Persistency services (localstack + AWS (Deployed Locally))
CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml

## To link to the PostgreSQL instance.
POSTGRES_USER=root
POSTGRES_PASSWORD=root
POSTGRES_DB=postgres
POSTGRES_PORT=5432

DATABASE_URL=postgresql://\${POSTGRES_USER:-root}:\${POSTGRES_PASSWORD:-root}@postgres:\${POSTGRES_PORT:-5432}/\${POSTGRES_DB:-postgres} # for chainlit

## S3 configuration.
BUCKET_NAME=my-bucket
APP_AWS_ACCESS_KEY=random-key
APP_AWS_SECRET_KEY=random-key
APP_AWS_REGION=eu-central-1

LOCALSTACK_PORT=4566
DEV_AWS_ENDPOINT=http://localstack:\${LOCALSTACK_PORT:-4566}
`;

/** The keys of the seed, in file order: the name of each of its `KEY=value` lines. */
export const SEED_KEYS: readonly string[] = SEED_ENV.split('\n').flatMap((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []);
