import { defineCommand, flag } from '../definition.js';

/** `datalayer check`: validates `.env`, the compose file, the submodule and the runtime prerequisites. */
export const checkCommand = defineCommand({
  name: 'check',
  description: 'validate .env, the compose file, the submodule and the runtime prerequisites',
  options: {
    strict: flag('--strict', 'treat warnings as errors'),
    connect: flag('--connect', 'also reach Postgres and S3 at their host-side addresses'),
  },
  lock: false,
  examples: ['datalayer check', 'datalayer check --strict --json', 'datalayer --env-file .env.example check'],
  load: () => import('./run.js'),
});
