import { defineCommand, option } from '../definition.js';

/** `datalayer status`: services, Postgres, migrations and bucket; exit 5 unless all is ready. */
export const statusCommand = defineCommand({
  name: 'status',
  description: 'services, Postgres, migrations and bucket; exit 5 unless all is ready',
  options: {
    output: option(
      '-o, --output <format>',
      'text; or the host-side values for other programs: env (export lines for eval), dotenv (an env file), github (for $GITHUB_ENV)',
      { choices: ['text', 'env', 'dotenv', 'github'], default: 'text' },
    ),
    runtime: option('--runtime <runtime>', 'the runtime to ask (default: the one the last up used, or whose servers run)', { choices: ['docker', 'native'] }),
  },
  lock: false,
  examples: [
    'datalayer status',
    'datalayer status --json',
    'eval "$(datalayer status -o env)" && npm test   # exports DATABASE_URL etc. to the tests',
    'datalayer status -o dotenv > .env.local',
    'datalayer status -o github >> "$GITHUB_ENV"      # GitHub Actions: for the next steps',
  ],
  load: () => import('./run.js'),
});
