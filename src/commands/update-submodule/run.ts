import type { Context } from '../../context/context.js';
import { commandLineFor, gitCommandLineFor } from '../../context/host-project.js';
import { shellQuote } from '../../support/shell-quote.js';
import { PrerequisiteError, RefusedError, UsageError } from '../../support/errors.js';
import { assertNotOption, isLocalUrl, registerUrlCredentials } from '../../git/arguments.js';
import { GitClient } from '../../git/git-client.js';
import { commitPaths, stageGitlink } from '../../git/gitlink.js';
import { locateDataLayerSubmodule, type SubmoduleLocation } from '../../git/locate-submodule.js';
import { requireRepository } from '../../git/repository.js';
import { initSubmodule } from '../../git/submodule-checkout.js';
import { submoduleState, type SubmoduleState } from '../../git/submodule-state.js';
import {
  changedPaths,
  commitSummaries,
  fastForward,
  fetchRemote,
  isAncestor,
  planFastForward,
  resolveUpdateTarget,
  type CommitSummary,
  type Movement,
} from '../../git/submodule-update.js';
import { isComposeFileName } from '../../config/compose/find-compose-file.js';
import { maskUrlPassword } from '../../report/redactor.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';

/** The options of `update-submodule`, as its declaration (index.ts) validates them. */
export interface UpdateSubmoduleOptions {
  ref: string | undefined;
  commit: boolean;
  dryRun: boolean;
}

export interface UpdateSubmoduleData {
  submodule: { path: string; url: string | null };
  /** It was registered but not checked out, and this run checked it out. */
  initialized: boolean;
  target: { ref: string; kind: 'branch' | 'tag' | 'commit'; commit: string };
  from: string;
  to: string;
  action: Movement;
  commits: CommitSummary[];
  changes: { composeFile: boolean; migrations: boolean; files: string[] };
  staged: boolean;
  /** The host commit made by --commit. */
  committed: string | null;
  dryRun: boolean;
  nextCommand: string | null;
  /** The command lines the text suggests, as typed from where the user is (`-C app`, `git -C app`). */
  commandLines: { next: string | null; up: string; commit: string | null };
}

export type UpdateSubmoduleResult = CommandResult<UpdateSubmoduleData>;

const NOT_A_REPOSITORY_HINT = 'The submodule lives in the host repository: run `git init` there, then `datalayer init`.';

export async function run(options: UpdateSubmoduleOptions, context: Context): Promise<UpdateSubmoduleResult> {
  checkOptions(options);
  const { host, location, state, initialized } = await checkedOutSubmodule(context, options.dryRun);
  const url = location.entry?.url;
  registerUrlCredentials(context.reporter.redactor, url);
  const submodule = host.at(location.directory, { allowFileProtocol: isLocalUrl((await originUrl(host.at(location.directory))) ?? '') });
  await fetchRemote(submodule, url);
  const target = await resolveUpdateTarget(submodule, options.ref, location.entry?.branch);
  const action = await planFastForward(submodule, state.head, target, location.displayPath);
  const commits = await commitSummaries(submodule, state.head, target.commit);
  const files = await changedPaths(submodule, state.head, target.commit);
  const changes = {
    composeFile: files.some(isComposeFileName),
    migrations: files.some((file) => file.startsWith('prisma/migrations/')),
    files,
  };
  const nextCommand = nextCommandOf(options, action, changes);
  let staged = false;
  let committed: string | null = null;
  if (!options.dryRun) {
    if (action === 'fast-forward') await fastForward(submodule, state.branch, target);
    staged = await stageIfMoved(host, location, target.commit);
    if (options.commit) committed = await commitGitlink(host, submodule, location, target.commit, target.label);
  }
  return {
    exitCode: 0,
    diagnostics: [],
    data: {
      submodule: { path: location.displayPath, url: url === undefined ? null : maskUrlPassword(url) },
      initialized,
      target: { ref: target.label, kind: target.kind, commit: target.commit },
      from: state.head,
      to: target.commit,
      action,
      commits,
      changes,
      staged,
      committed,
      dryRun: options.dryRun,
      nextCommand: nextCommand === null ? null : `datalayer ${nextCommand}`,
      commandLines: {
        next: nextCommand === null ? null : commandLineFor(context.host, nextCommand),
        up: commandLineFor(context.host, 'up'),
        commit: staged && !committed ? gitCommandLineFor(context.host, `commit -m ${shellQuote(`Update ${location.displayPath} to ${target.commit.slice(0, 7)}`)} -- ${shellQuote(location.displayPath)}`) : null,
      },
    },
  };
}

type CheckedOut = Extract<SubmoduleState, { kind: 'checked-out' }>;

/** The registered submodule, checked out first when it is not (except on a dry run), with no local changes. */
async function checkedOutSubmodule(
  context: Context,
  dryRun: boolean,
): Promise<{ host: GitClient; location: SubmoduleLocation; state: CheckedOut; initialized: boolean }> {
  const git = new GitClient(context, context.host.dir);
  const repository = await requireRepository(git, NOT_A_REPOSITORY_HINT);
  const host = git.at(repository.root);
  const location = await locateDataLayerSubmodule(host, repository, context.host.dir, undefined);
  const entry = location.entry;
  if (!entry) {
    throw new PrerequisiteError(`no data-layer submodule is registered in .gitmodules (looked for ${location.displayPath}).`, {
      hint: 'Run `datalayer init` to add it.',
    });
  }
  let state = await submoduleState(host, repository.root, entry);
  let initialized = false;
  if (state.kind === 'registered-not-checked-out' && !dryRun) {
    await initSubmodule(host, repository.root, entry.path, entry.url);
    initialized = true;
    state = await submoduleState(host, repository.root, entry);
  }
  if (state.kind !== 'checked-out') {
    throw new PrerequisiteError(`${location.displayPath} is registered but not checked out; a dry run does not check it out.`, {
      hint: 'Run `datalayer update-submodule` without --dry-run (or `datalayer init`) to check it out.',
    });
  }
  if (state.changes.length > 0) throw localChangesRefusal(location, state.changes);
  return { host, location, state, initialized };
}

function checkOptions(options: UpdateSubmoduleOptions): void {
  if (options.ref !== undefined) assertNotOption('--ref', options.ref);
  if (options.commit && options.dryRun) throw new UsageError('--commit and --dry-run cannot be used together.');
}

function localChangesRefusal(location: SubmoduleLocation, changes: string[]): RefusedError {
  return new RefusedError(`${location.displayPath} has local changes; updating could lose them:\n${changes.map((line) => `  ${line}`).join('\n')}`, {
    hint: `Commit, stash or discard them in ${location.displayPath} (\`git -C ${location.displayPath} status\`), then run the command again.`,
    data: { localChanges: changes },
  });
}

async function originUrl(submodule: GitClient): Promise<string | undefined> {
  const outcome = await submodule.run(['config', '--get', 'remote.origin.url']);
  return outcome.ok ? outcome.stdout.trim() : undefined;
}

/** Stages the gitlink when the host's index does not already point at the new commit. */
async function stageIfMoved(host: GitClient, location: SubmoduleLocation, commit: string): Promise<boolean> {
  const indexed = await host.output(['ls-files', '--stage', '-z', '--', location.pathInRepository], 'reading the submodule pointer');
  if (indexed.includes(` ${commit} `)) return false;
  await stageGitlink(host, location.pathInRepository);
  return true;
}

/**
 * Commits the gitlink (and `.gitmodules` when the host has never committed it) unless HEAD already
 * has it. The message lists the commits since the pointer HEAD records, which may be older than
 * where the submodule stood (a previous run that only staged).
 */
async function commitGitlink(host: GitClient, submodule: GitClient, location: SubmoduleLocation, to: string, targetLabel: string): Promise<string | null> {
  const inHead = await host.run(['rev-parse', '--verify', '--quiet', `HEAD:${location.pathInRepository}`]);
  const from = inHead.ok ? inHead.stdout.trim() : undefined;
  if (from === to) return null;
  const gitmodulesInHead = (await host.run(['cat-file', '-e', 'HEAD:.gitmodules'])).ok;
  const paths = gitmodulesInHead ? [location.pathInRepository] : ['.gitmodules', location.pathInRepository];
  const commits = from && (await isAncestor(submodule, from, to)) ? await commitSummaries(submodule, from, to) : [];
  return commitPaths(host, paths, commitMessage(location, from, to, commits, targetLabel));
}

export function commitMessage(location: SubmoduleLocation, from: string | undefined, to: string, commits: CommitSummary[], targetLabel: string): string {
  const name = location.pathInRepository.split('/').pop() ?? location.pathInRepository;
  if (from === undefined) return `Add ${name} at ${to.slice(0, 7)} (${targetLabel})\n`;
  const lines = commits.map((c) => `- ${c.commit.slice(0, 7)} ${c.subject}`);
  return `Update ${name} to ${to.slice(0, 7)} (${targetLabel})\n\n${from.slice(0, 7)}..${to.slice(0, 7)}${lines.length ? `\n${lines.join('\n')}` : ''}\n`;
}

export function render(result: UpdateSubmoduleResult, style: Style): string {
  const data = result.data;
  const range = `${data.from.slice(0, 7)}..${data.to.slice(0, 7)}`;
  const lines: string[] = [];
  if (data.initialized) lines.push(`${style.ok('✔')} checked out ${data.submodule.path} (it was registered but empty)`);
  if (data.action === 'up-to-date') {
    lines.push(`${style.ok('✔')} ${data.submodule.path} is up to date with ${data.target.ref} (${data.to.slice(0, 7)}).`);
  } else {
    const verb = data.dryRun ? 'would move' : 'moved';
    lines.push(`${style.ok('✔')} ${data.submodule.path} ${verb} ${range} (${data.target.ref}, fast-forward, ${data.commits.length} commit${data.commits.length === 1 ? '' : 's'}):`);
    for (const commit of data.commits) lines.push(`    ${style.code(commit.commit.slice(0, 7))} ${commit.subject}`);
    if (data.changes.composeFile) lines.push(`  the compose file changed`);
    if (data.changes.migrations) lines.push(`  prisma/migrations changed`);
  }
  if (data.committed) lines.push(`${style.ok('✔')} committed the new submodule pointer as ${data.committed.slice(0, 7)}`);
  else if (data.staged) {
    lines.push(`${style.ok('✔')} staged the new submodule pointer; commit it with:`);
    lines.push(`    ${data.commandLines.commit}   (or run with --commit)`);
  }
  if (data.dryRun) lines.push(style.dim('Dry run: nothing was moved, staged or committed.'));
  const next = data.commandLines.next;
  if (next && data.dryRun) {
    const then = data.changes.composeFile || data.changes.migrations ? `, then ${style.command(data.commandLines.up)} to apply the new ${describeChanges(data)}` : '';
    lines.push(`Next: ${style.command(next)} to move it${then}.`);
  } else if (next) {
    lines.push(`Next: ${style.command(next)} to apply the new ${describeChanges(data)}.`);
  }
  return lines.join('\n');
}

/** A dry run moved nothing: the next step is the real run; after a move, `up` applies what changed. Without `datalayer`. */
function nextCommandOf(options: UpdateSubmoduleOptions, action: string, changes: { composeFile: boolean; migrations: boolean }): string | null {
  if (options.dryRun) return action === 'up-to-date' ? null : `update-submodule${options.ref ? ` --ref ${shellQuote(options.ref)}` : ''}`;
  return changes.composeFile || changes.migrations ? 'up' : null;
}

function describeChanges(data: UpdateSubmoduleData): string {
  if (data.changes.composeFile && data.changes.migrations) return 'compose file and migrations';
  return data.changes.composeFile ? 'compose file' : 'migrations';
}
