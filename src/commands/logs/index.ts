import { argument, defineCommand, flag, option } from '../definition.js';

/** `datalayer logs`: the services' logs, followed or tailed. */
export const logsCommand = defineCommand({
  name: 'logs',
  description: "print the services' logs",
  arguments: {
    services: argument('[service...]', 'services to show (default: all)', {
      default: [],
      schema: (z) => z.array(z.string().check(z.refine((s) => !s.startsWith('-'), 'a service name may not begin with "-"'))),
    }),
  },
  options: {
    follow: flag('-f, --follow', 'keep printing new lines'),
    tail: option('-n, --tail <lines>', 'only the last N lines', {
      schema: (z) => z.coerce.number({ message: 'expected a number of lines' }).check(z.int(), z.nonnegative()),
    }),
  },
  lock: false,
  examples: ['datalayer logs postgres -n 50', 'datalayer logs -f'],
  // Following ends with Ctrl-C, as with `docker compose logs -f` or `tail -f`: not an error.
  endsWithInterrupt: (options) => options.follow,
  load: () => import('./run.js'),
});
