import type { SimpleGitOptions } from 'simple-git';

type UnsafeFlags = NonNullable<SimpleGitOptions['unsafe']>;
type UnsafeFlag = keyof UnsafeFlags;

/**
 * Variables that only choose an interactive program. datalayer never opens an editor or a pager
 * (commits get `-m`, output is captured), so they are dropped rather than vouched for.
 */
const INTERACTIVE_ONLY = new Set(['editor', 'git_editor', 'git_sequence_editor', 'pager', 'git_pager', 'git_external_diff']);

/**
 * Variables simple-git refuses unless told they are trusted. They come from the user's own shell
 * (an SSH command, an askpass helper, a config path), so git must keep seeing them: each one
 * present turns on exactly the matching permission, nothing more.
 */
const TRUSTED_FROM_SHELL: Record<string, UnsafeFlag> = {
  git_askpass: 'allowUnsafeAskPass',
  ssh_askpass: 'allowUnsafeAskPass',
  git_config: 'allowUnsafeConfigPaths',
  git_config_global: 'allowUnsafeConfigPaths',
  git_config_system: 'allowUnsafeConfigPaths',
  git_exec_path: 'allowUnsafeConfigPaths',
  prefix: 'allowUnsafeConfigPaths',
  git_config_count: 'allowUnsafeConfigEnvCount',
  git_proxy_command: 'allowUnsafeGitProxy',
  git_template_dir: 'allowUnsafeTemplateDir',
  git_ssh: 'allowUnsafeSshCommand',
  git_ssh_command: 'allowUnsafeSshCommand',
};

export interface GitEnvironment {
  env: Record<string, string>;
  unsafe: UnsafeFlags;
}

/**
 * The environment git runs with: the user's shell, minus editor and pager choices, with prompts
 * for credentials turned off when nobody can answer them (git would wait forever).
 */
export function gitEnvironment(shell: NodeJS.ProcessEnv, options: { interactive: boolean }): GitEnvironment {
  const env: Record<string, string> = {};
  const unsafe: UnsafeFlags = {};
  for (const [key, value] of Object.entries(shell)) {
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (INTERACTIVE_ONLY.has(lower)) continue;
    const flag = TRUSTED_FROM_SHELL[lower];
    if (flag) unsafe[flag] = true;
    env[key] = value;
  }
  if (!options.interactive && env.GIT_TERMINAL_PROMPT === undefined) env.GIT_TERMINAL_PROMPT = '0';
  return { env, unsafe };
}
