import path from 'node:path';
import { PrerequisiteError } from '../support/errors.js';
import type { GitClient } from './git-client.js';

export interface Repository {
  /** Absolute top level of the work tree. */
  root: string;
}

/** The repository the directory belongs to, or undefined when it is not inside a work tree. */
export async function findRepository(git: GitClient): Promise<Repository | undefined> {
  const outcome = await git.run(['rev-parse', '--show-toplevel']);
  if (!outcome.ok) {
    // Only "not a repository" is an answer; anything else (a broken repository, no permission) is not.
    if (/not a git repository/i.test(outcome.stderr)) return undefined;
    throw new PrerequisiteError(`git cannot read the repository at ${git.dir}: ${outcome.stderr}`, {
      hint: 'Run `git status` there to see what git complains about.',
    });
  }
  return { root: path.resolve(outcome.stdout.trim()) };
}

/** Same as findRepository, but a directory outside git is a missing prerequisite. */
export async function requireRepository(git: GitClient, hint: string): Promise<Repository> {
  const repository = await findRepository(git);
  if (!repository) {
    throw new PrerequisiteError(`${git.dir} is not inside a git repository.`, { hint });
  }
  return repository;
}

/** Whether a directory is itself the top of a git work tree (a checked-out submodule is). */
export async function isRepository(git: GitClient): Promise<boolean> {
  const repository = await findRepository(git);
  return repository !== undefined && path.resolve(repository.root) === path.resolve(git.dir);
}
