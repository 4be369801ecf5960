import { argument, defineCommand, flag } from '../definition.js';

/** `datalayer backup [FILE]`: the chat history (every table, the ledger, every object) in one archive. */
export const backupCommand = defineCommand({
  name: 'backup',
  description: 'write the chat history (database and attachments) to one archive',
  arguments: {
    file: argument('[file]', 'the archive to write, relative to the project (default: .datalayer/backups/backup-<UTC time>.tar.gz)', {
      default: undefined,
      schema: (z) => z.optional(z.string().check(z.refine((file: string) => file !== '' && !file.startsWith('-'), 'a file name may not be empty or begin with "-"'))),
    }),
  },
  options: {
    overwrite: flag('--overwrite', 'replace FILE when it exists'),
  },
  lock: { waitMs: 30_000 },
  examples: ['datalayer backup', 'datalayer backup ../chat-history.tar.gz', 'datalayer backup before-upgrade.tar.gz --json | jq .data'],
  load: () => import('./run.js'),
});
