/**
 * The smallest compose file of the data layer on a real engine: `postgres:16` on a bind-mounted
 * data directory and a community LocalStack, with the variables the fork's compose file reads.
 */
export const DATA_LAYER_COMPOSE = `services:
  postgres:
    image: postgres:16
    environment:
      POSTGRES_USER: \${POSTGRES_USER:-root}
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD:-root}
      POSTGRES_DB: \${POSTGRES_DB:-postgres}
    ports:
      - "\${POSTGRES_PORT:-5432}:5432"
    volumes:
      - ./.data/postgres:/var/lib/postgresql/data
  localstack:
    image: localstack/localstack:4.12
    environment:
      SERVICES: s3
    ports:
      - "\${LOCALSTACK_PORT:-4566}:4566"
`;
