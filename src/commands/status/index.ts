import { defineCommand, option } from '../definition.js';

/** `datalayer status`: services, Postgres, migrations and bucket; exit 5 unless all is ready. */
export const statusCommand = defineCommand({
  name: 'status',
  description: 'services, Postgres, migrations and bucket; exit 5 unless all is ready',
  options: {
    output: option('-o, --output <format>', 'output format', { choices: ['text', 'env'], default: 'text' }),
    runtime: option('--runtime <runtime>', 'the runtime to ask (default: the one the last up used, or whose servers run)', { choices: ['docker', 'native'] }),
  },
  lock: false,
  examples: ['datalayer status', 'datalayer status --json', 'eval "$(datalayer status -o env)"   # host-side URLs'],
  load: () => import('./run.js'),
});
