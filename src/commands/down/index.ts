import { defineCommand, flag } from '../definition.js';

/** `datalayer down`: stops the services; keeps the data unless `--volumes`. */
export const downCommand = defineCommand({
  name: 'down',
  description: 'stop the services; keeps the data unless --volumes',
  options: {
    volumes: flag('--volumes', 'also delete the data (asks first; --yes without a terminal)'),
  },
  lock: { waitMs: 30_000 },
  examples: ['datalayer down', 'datalayer down --volumes --yes   # wipe the data'],
  load: () => import('./run.js'),
});
