import { postgresService } from './host-fixture.js';

/**
 * The smallest compose file of the data layer on a real engine: `postgres:16` on a bind-mounted
 * data directory and a community LocalStack, with the variables the fork's compose file reads.
 */
export const DATA_LAYER_COMPOSE = `services:
${postgresService()}  localstack:
    image: localstack/localstack:4.12
    environment:
      SERVICES: s3
    ports:
      - "\${LOCALSTACK_PORT:-4566}:4566"
`;
