import { defineCommand, flag, option } from '../definition.js';

/** `datalayer update-submodule`: moves the submodule forward, fast-forward only, and stages it. */
export const updateSubmoduleCommand = defineCommand({
  name: 'update-submodule',
  description: 'move the submodule forward safely (fast-forward only) and stage it',
  options: {
    ref: option('--ref <ref>', 'branch, tag or commit to move to'),
    commit: flag('--commit', 'commit the new submodule pointer'),
    dryRun: flag('--dry-run', 'report what would change, move nothing'),
  },
  // A dry run moves nothing.
  lock: { when: (options) => !options.dryRun },
  examples: ['datalayer update-submodule --dry-run', 'datalayer update-submodule --commit', 'datalayer update-submodule --ref v1.2.0'],
  load: () => import('./run.js'),
});
