import type { GitClient } from './git-client.js';

/** Stages the submodule's current commit as the host's gitlink (`git add <path>`). */
export async function stageGitlink(host: GitClient, submodulePath: string): Promise<void> {
  await host.output(['add', '--', submodulePath], 'staging the submodule pointer');
}

/**
 * Commits only the given paths (other staged work of the user stays staged, uncommitted).
 * Returns the new commit id.
 */
export async function commitPaths(host: GitClient, paths: readonly string[], message: string): Promise<string> {
  await host.output(['commit', '--quiet', '-m', message, '--only', '--', ...paths], 'committing the submodule pointer');
  return (await host.output(['rev-parse', '--verify', 'HEAD'], 'reading the new commit')).trim();
}
