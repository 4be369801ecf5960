import { defineCommand, flag, option } from '../definition.js';

/** `datalayer init`: makes the host ready (submodule, `.env`, secret, `.gitignore`), then checks it. */
export const initCommand = defineCommand({
  name: 'init',
  description: 'make the host ready: submodule, .env, secret, .gitignore, then check',
  options: {
    url: option('--url <url>', 'submodule remote (default: the OpenLLM-France fork)'),
    path: option('--path <path>', 'submodule path (default: extern/chainlit-datalayer)'),
    branch: option('--branch <branch>', 'branch to track when adding the submodule'),
    submodule: flag('--no-submodule', 'do not touch git; only write .env'),
    dryRun: flag('--dry-run', 'say what would change, change nothing'),
  },
  // Before git or files are touched; a dry run changes nothing.
  lock: { when: (options) => !options.dryRun },
  examples: [
    'datalayer init',
    'datalayer init --no-submodule            # .env only (external Postgres and S3)',
    'datalayer init --url ../my-fork.git --branch main',
    'datalayer init --dry-run --json',
  ],
  load: async () => {
    const [{ run }, { renderInit }] = await Promise.all([import('./run.js'), import('./render.js')]);
    return { run, render: renderInit };
  },
});
