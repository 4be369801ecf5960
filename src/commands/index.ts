import type { AnyCommand } from './definition.js';

/**
 * Every command, in the order `datalayer --help` lists them: adding one is its module and one line
 * here. Each declaration is small and loaded at start-up (what it does arrives later, through its
 * `load()`); they are imported in parallel.
 */
export const commands: readonly AnyCommand[] = await Promise.all([
  import('./init/index.js').then((module) => module.initCommand),
  import('./check/index.js').then((module) => module.checkCommand),
  import('./up/index.js').then((module) => module.upCommand),
  import('./down/index.js').then((module) => module.downCommand),
  import('./status/index.js').then((module) => module.statusCommand),
  import('./logs/index.js').then((module) => module.logsCommand),
  import('./update-submodule/index.js').then((module) => module.updateSubmoduleCommand),
  import('./migrate/index.js').then((module) => module.migrateCommand),
  import('./backup/index.js').then((module) => module.backupCommand),
  import('./restore/index.js').then((module) => module.restoreCommand),
  import('./secret/index.js').then((module) => module.secretCommand),
  import('./enable.js').then((module) => module.enableCommand),
  import('./disable.js').then((module) => module.disableCommand),
]);
