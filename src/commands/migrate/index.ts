import { defineCommand, flag, option } from '../definition.js';

/** `datalayer migrate`: applies the submodule's pending Prisma migrations, or lists them with `--status`. */
export const migrateCommand = defineCommand({
  name: 'migrate',
  description: "apply the submodule's pending Prisma migrations to DATABASE_URL",
  options: {
    status: flag('--status', 'list applied, pending and failed migrations; change nothing'),
    databaseUrl: option('--database-url <url>', 'database to migrate (default: host-side DATABASE_URL)'),
  },
  lock: { when: (options) => !options.status, waitMs: 30_000 },
  examples: ['datalayer migrate', 'datalayer migrate --status --json'],
  load: () => import('./run.js'),
});
