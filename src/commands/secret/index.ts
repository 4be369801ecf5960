import { defineCommand, flag } from '../definition.js';

/** `datalayer secret`: a new random CHAINLIT_AUTH_SECRET, printed or stored in `.env`. */
export const secretCommand = defineCommand({
  name: 'secret',
  description: 'print a new random CHAINLIT_AUTH_SECRET',
  options: {
    write: flag('--write', 'store it in .env instead of printing it'),
  },
  // Only --write changes .env.
  lock: { when: (options) => options.write },
  examples: ['datalayer secret', 'datalayer secret --write'],
  load: () => import('./run.js'),
});
