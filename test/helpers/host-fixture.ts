import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEED_ENV } from '../env/fixtures.js';

/** The fork's postgres service (our own text), with the image given: YAML under `services:`. */
export function postgresService(image = 'postgres:16'): string {
  return `  postgres:
    image: ${image}
    environment:
      POSTGRES_USER: \${POSTGRES_USER:-root}
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD:-root}
      POSTGRES_DB: \${POSTGRES_DB:-postgres}
    ports:
      - "\${POSTGRES_PORT:-5432}:5432"
    volumes:
      - ./.data/postgres:/var/lib/postgresql/data
`;
}

/** A compose file shaped like the chainlit-datalayer fork's (our own text). */
export const FORK_LIKE_COMPOSE = `services:
  data-layer:
    build: .
    ports:
      - "\${PRISMA_STUDIO_PORT:-5555}:5555"
    environment:
      - DATABASE_URL=postgresql://\${POSTGRES_USER:-root}:\${POSTGRES_PASSWORD:-root}@postgres:\${POSTGRES_PORT:-5432}/\${POSTGRES_DB:-postgres}
    depends_on:
      - postgres
      - localstack
${postgresService()}  localstack:
    image: localstack/localstack:latest
    environment:
      SERVICES: s3
    ports:
      - "\${LOCALSTACK_PORT:-4566}:4566"
    volumes:
      - "./localstack-script.sh:/etc/localstack/init/ready.d/script.sh"
      - "/var/run/docker.sock:/var/run/docker.sock"
`;

/** The seed's block verbatim, with a real secret in place of its `...` placeholder. */
export function seedEnv(overrides: { secret?: string } = {}): string {
  const secret = overrides.secret ?? 'k3Jv9QmZpX2rT7wLbN4sYc8dHf6gAe1uRi5oWq0zVx';
  return SEED_ENV.replace('CHAINLIT_AUTH_SECRET=... #', `CHAINLIT_AUTH_SECRET=${secret} #`);
}

export interface HostFixture {
  dir: string;
  submoduleDir: string;
  write(relative: string, content: string): string;
  cleanup(): void;
}

/** A host project with the submodule's files laid out (no git), and the given `.env`. */
export function makeHost(options: { env?: string; compose?: string | null; name?: string } = {}): HostFixture {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'datalayer-host-'));
  // mkdtemp makes 0700; as root the native Postgres runs as an unprivileged user that must traverse it.
  chmodSync(parent, 0o755);
  const dir = path.join(parent, options.name ?? 'host');
  const submoduleDir = path.join(dir, 'extern', 'chainlit-datalayer');
  mkdirSync(path.join(submoduleDir, 'prisma', 'migrations'), { recursive: true });
  const write = (relative: string, content: string) => {
    const target = path.join(dir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    return target;
  };
  if (options.compose !== null) write('extern/chainlit-datalayer/compose.yaml', options.compose ?? FORK_LIKE_COMPOSE);
  write('extern/chainlit-datalayer/prisma/migrations/migration_lock.toml', 'provider = "postgresql"\n');
  if (options.env !== undefined) write('.env', options.env);
  return { dir, submoduleDir, write, cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}
