import path from 'node:path';
import { DEFAULT_SUBMODULE_PATH } from '../config/keys.js';
import { UsageError } from '../support/errors.js';
import { assertWorkTreePath } from './arguments.js';
import type { GitClient } from './git-client.js';
import { findDataLayerEntry, normalizeSubmodulePath, readGitmodules, type GitmodulesEntry } from './gitmodules.js';
import type { Repository } from './repository.js';

/** Where the data-layer submodule is (or would go) in the host's repository. */
export interface SubmoduleLocation {
  /** Path relative to the repository root, as `.gitmodules` records it. */
  pathInRepository: string;
  /** Absolute directory. */
  directory: string;
  /** Relative to the host directory, for messages. */
  displayPath: string;
  /** The `.gitmodules` entry, when the submodule is registered. */
  entry: GitmodulesEntry | undefined;
}

/**
 * Finds the data-layer submodule: at `--path` when given (relative to the host), else at the
 * default path, else any registered submodule whose URL names chainlit-datalayer.
 */
export async function locateDataLayerSubmodule(
  git: GitClient,
  repository: Repository,
  hostDir: string,
  chosenPath: string | undefined,
): Promise<SubmoduleLocation> {
  const wanted = path.resolve(hostDir, chosenPath ?? DEFAULT_SUBMODULE_PATH);
  const relative = path.relative(repository.root, wanted);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new UsageError(`--path ${chosenPath ?? DEFAULT_SUBMODULE_PATH}: the submodule must be inside the repository ${repository.root}.`);
  }
  // Also when the path comes from elsewhere than --path: never a checkout among git's own files.
  assertWorkTreePath('--path', relative);
  const entries = await readGitmodules(git, repository.root);
  const entry = findDataLayerEntry(entries, normalizeSubmodulePath(relative.split(path.sep).join('/')), chosenPath !== undefined);
  const pathInRepository = entry?.path ?? normalizeSubmodulePath(relative.split(path.sep).join('/'));
  const directory = path.join(repository.root, pathInRepository);
  const displayRelative = path.relative(hostDir, directory).split(path.sep).join('/');
  return { pathInRepository, directory, displayPath: displayRelative || '.', entry };
}
