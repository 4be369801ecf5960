import type { AnyCommand } from './definition.js';
import { backupCommand } from './backup/index.js';
import { checkCommand } from './check/index.js';
import { disableCommand } from './disable.js';
import { downCommand } from './down/index.js';
import { enableCommand } from './enable.js';
import { initCommand } from './init/index.js';
import { logsCommand } from './logs/index.js';
import { migrateCommand } from './migrate/index.js';
import { restoreCommand } from './restore/index.js';
import { secretCommand } from './secret/index.js';
import { statusCommand } from './status/index.js';
import { upCommand } from './up/index.js';
import { updateSubmoduleCommand } from './update-submodule/index.js';

/**
 * Every command, in the order `datalayer --help` lists them. Imported statically: each declaration
 * is small, and one module is cheaper for `--help` than a chunk per command.
 */
export const commands: readonly AnyCommand[] = [
  initCommand,
  checkCommand,
  upCommand,
  downCommand,
  statusCommand,
  logsCommand,
  updateSubmoduleCommand,
  migrateCommand,
  backupCommand,
  restoreCommand,
  secretCommand,
  enableCommand,
  disableCommand,
];
