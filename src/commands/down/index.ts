import { defineCommand, flag, option } from '../definition.js';

/** `datalayer down`: stops the services; keeps the data unless `--volumes`. */
export const downCommand = defineCommand({
  name: 'down',
  description: 'stop the services; keeps the data unless --volumes',
  options: {
    volumes: flag('--volumes', 'also delete the data (asks first; --yes without a terminal)'),
    runtime: option('--runtime <runtime>', 'the runtime to stop (default: the one the last up used, or whose servers run)', { choices: ['docker', 'native'] }),
  },
  lock: { waitMs: 30_000 },
  examples: ['datalayer down', 'datalayer down --volumes --yes   # wipe the data', 'datalayer down --runtime native   # stop the native servers whatever was recorded'],
  load: () => import('./run.js'),
});
