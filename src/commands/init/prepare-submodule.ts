/** The git half of `init`: the data-layer submodule registered and checked out. */
import type { Context } from '../../context/context.js';
import { gitCommandLineFor, type HostProject } from '../../context/host-project.js';
import { shellQuote } from '../../support/shell-quote.js';
import { DEFAULT_SUBMODULE_URL } from '../../config/keys.js';
import type { Diagnostic } from '../../support/diagnostic.js';
import { maskUrlPassword } from '../../report/redactor.js';
import { registerUrlCredentials } from '../../git/arguments.js';
import { GitClient } from '../../git/git-client.js';
import { locateDataLayerSubmodule, type SubmoduleLocation } from '../../git/locate-submodule.js';
import { requireRepository } from '../../git/repository.js';
import { addSubmodule, initSubmodule } from '../../git/submodule-checkout.js';
import { submoduleState } from '../../git/submodule-state.js';


export interface SubmoduleRequest {
  url: string | undefined;
  path: string | undefined;
  branch: string | undefined;
  dryRun: boolean;
}

export interface SubmoduleOutcome {
  /** Relative to the host directory. */
  path: string;
  directory: string;
  url: string;
  /** The checked-out commit (undefined on a dry run that would add or check it out). */
  commit: string | undefined;
  /** What was done (or, on a dry run, what would be). */
  action: 'added' | 'checked-out' | 'unchanged';
  /** Whether `.gitmodules` and the gitlink are new and wait to be committed. */
  needsCommit: boolean;
  pathInRepository: string;
  /** Top level of the host repository, where `.gitmodules` is. */
  repositoryRoot: string;
  diagnostics: Diagnostic[];
}

const NOT_A_REPOSITORY_HINT =
  'Run `git init` first (the submodule needs a repository), or `datalayer init --no-submodule` to only write .env.';

export async function prepareSubmodule(context: Context, request: SubmoduleRequest): Promise<SubmoduleOutcome> {
  const git = new GitClient(context, context.host.dir);
  const repository = await requireRepository(git, NOT_A_REPOSITORY_HINT);
  const host = git.at(repository.root);
  const location = await locateDataLayerSubmodule(host, repository, context.host.dir, request.path);
  const diagnostics = registeredDifferences(context.host, location, request);
  const state = await submoduleState(host, repository.root, location.entry);
  const url = location.entry?.url ?? request.url ?? DEFAULT_SUBMODULE_URL;
  registerUrlCredentials(context.reporter.redactor, url);
  let action: SubmoduleOutcome['action'] = 'unchanged';
  if (state.kind === 'absent') {
    action = 'added';
    if (!request.dryRun) {
      await addSubmodule(host, { root: repository.root, path: location.pathInRepository, url, branch: request.branch, typedIn: context.host.processCwd });
    }
  } else if (state.kind === 'registered-not-checked-out') {
    action = 'checked-out';
    if (!request.dryRun) await initSubmodule(host, repository.root, location.pathInRepository, location.entry?.url);
  }
  const moved = action !== 'unchanged' && !request.dryRun;
  const commit = moved ? await headOf(git.at(location.directory)) : state.kind === 'checked-out' ? state.head : undefined;
  return {
    path: location.displayPath,
    directory: location.directory,
    url: maskUrlPassword(url),
    commit,
    action,
    needsCommit: action === 'added' || (await hasUncommittedRegistration(host, location)),
    pathInRepository: location.pathInRepository,
    repositoryRoot: repository.root,
    diagnostics,
  };
}

async function headOf(submodule: GitClient): Promise<string> {
  return (await submodule.output(['rev-parse', '--verify', 'HEAD'], 'reading the submodule commit')).trim();
}

/** `.gitmodules` or the gitlink staged but not yet committed (a previous `init` that was not committed). */
async function hasUncommittedRegistration(host: GitClient, location: SubmoduleLocation): Promise<boolean> {
  const staged = await host.output(['diff', '--cached', '--name-only', '-z', '--', '.gitmodules', location.pathInRepository], 'reading the index');
  return staged !== '';
}

/** --url / --branch that disagree with what `.gitmodules` already says: the registered values are kept. */
function registeredDifferences(host: HostProject, location: SubmoduleLocation, request: SubmoduleRequest): Diagnostic[] {
  const entry = location.entry;
  if (!entry) return [];
  const diagnostics: Diagnostic[] = [];
  if (request.url !== undefined && entry.url !== undefined && request.url !== entry.url) {
    diagnostics.push({
      severity: 'warning',
      code: 'INIT_SUBMODULE_URL_DIFFERS',
      message: `${location.displayPath} is already registered with ${maskUrlPassword(entry.url)}; --url ${maskUrlPassword(request.url)} was not used.`,
      file: '.gitmodules',
      hint: `To switch remotes: \`${gitCommandLineFor(host, `submodule set-url -- ${shellQuote(entry.path)} <url>`)}\`, then \`${gitCommandLineFor(host, 'submodule sync')}\`.`,
    });
  }
  if (request.branch !== undefined && request.branch !== entry.branch) {
    diagnostics.push({
      severity: 'warning',
      code: 'INIT_SUBMODULE_BRANCH_DIFFERS',
      message: `${location.displayPath} is already registered${entry.branch ? ` to follow ${entry.branch}` : ' without a branch'}; --branch ${request.branch} was not used.`,
      file: '.gitmodules',
      hint: `To follow another branch: \`${gitCommandLineFor(host, `submodule set-branch --branch ${shellQuote(request.branch)} -- ${shellQuote(entry.path)}`)}\`.`,
    });
  }
  return diagnostics;
}
