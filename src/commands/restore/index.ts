import { argument, defineCommand, flag } from '../definition.js';

/** `datalayer restore FILE`: a backup into the running stack (either runtime) or the external state. */
export const restoreCommand = defineCommand({
  name: 'restore',
  description: 'put a backup into the running stack; refuses a non-empty target unless --replace',
  arguments: {
    file: argument('<file>', 'an archive written by `datalayer backup`, relative to the project', {
      default: '',
      schema: (z) => z.string().check(z.refine((file: string) => file !== '' && !file.startsWith('-'), 'a file name may not be empty or begin with "-"')),
    }),
  },
  options: {
    replace: flag('--replace', 'delete the rows and objects the target holds and put the archive in their place (asks first; --yes without a terminal)'),
  },
  lock: { waitMs: 30_000 },
  examples: [
    'datalayer restore .datalayer/backups/backup-20260102-030405.tar.gz',
    'datalayer restore chat-history.tar.gz --replace --yes   # overwrite a stack that has data',
  ],
  load: () => import('./run.js'),
});
