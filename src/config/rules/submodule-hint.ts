/**
 * What to do when the submodule's files (compose file, migrations) are not there, said for this
 * host: a host outside git has no submodule to check out, and "run `datalayer init`" would send
 * someone who just ran `init --no-submodule` round in circles.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { displayPath, gitCommandLineFor, type HostProject } from '../../context/host-project.js';
import { shellQuote } from '../../support/shell-quote.js';
import { DEFAULT_SUBMODULE_PATH, DEFAULT_SUBMODULE_URL } from '../keys.js';

export type SubmoduleSituation = 'not-a-repository' | 'registered' | 'not-registered';

/** From the files alone (no git process): is the host in a repository, does it register submodules. */
export function submoduleSituation(hostDir: string): SubmoduleSituation {
  for (let dir = hostDir; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return existsSync(path.join(dir, '.gitmodules')) ? 'registered' : 'not-registered';
    if (path.dirname(dir) === dir) return 'not-a-repository';
  }
}

/** The command line that puts chainlit-datalayer at `directory` in a host that is not a git repository. */
export function cloneCommand(host: HostProject, directory: string): string {
  return gitCommandLineFor(host, `clone ${DEFAULT_SUBMODULE_URL} ${shellQuote(displayPath(host.dir, directory))}`);
}

/** The hint for missing submodule files; `directory` is where they are expected (default: the submodule path). */
export function submoduleFilesHint(host: HostProject, directory = path.join(host.dir, DEFAULT_SUBMODULE_PATH)): string {
  switch (submoduleSituation(host.dir)) {
    case 'registered':
      return `The submodule is not checked out: run \`${gitCommandLineFor(host, 'submodule update --init')}\`, or \`datalayer init\`, which also checks it.`;
    case 'not-registered':
      return 'Run `datalayer init` to add the chainlit-datalayer submodule and check it out.';
    case 'not-a-repository':
      return `This directory is not a git repository, so it has no submodule: get the files with \`${cloneCommand(host, directory)}\`.`;
  }
}

/** COMPOSE_FILE_MISSING's hint: an empty submodule directory says what happened. */
export function composeFileHint(host: HostProject, emptyDirectory: string | undefined, directory: string): string {
  const prefix = emptyDirectory ? `${displayPath(host.dir, emptyDirectory)} is empty. ` : '';
  return prefix + submoduleFilesHint(host, directory);
}
