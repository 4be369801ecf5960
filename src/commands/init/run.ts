import { existsSync } from 'node:fs';
import path from 'node:path';
import { commandLineFor, displayPath, gitCommandLineFor, gitCommandLineIn } from '../../context/host-project.js';
import { checkHost } from '../../config/check-host.js';
import { dataLayerState, type DataLayerState } from '../../config/host-config.js';
import { DEFAULT_SUBMODULE_PATH, DEFAULT_SUBMODULE_URL } from '../../config/keys.js';
import { cloneCommand, submoduleSituation } from '../../config/rules/submodule-hint.js';
import type { Context } from '../../context/context.js';
import { ExitCode } from '../../support/errors.js';
import { shellQuote } from '../../support/shell-quote.js';
import { assertEditable, writeFileAtomic } from '../../config/env/atomic-write.js';
import { readRegularFile } from '../../support/regular-file.js';
import { parseEnvDocument } from '../../config/env/parse.js';
import { readEnvFile } from '../../config/env/read-env-file.js';
import { assertNoUrlCredentials, assertNotOption, assertWorkTreePath, registerUrlCredentials } from '../../git/arguments.js';
import { findComposeFile, hostRelativePath } from '../../config/compose/find-compose-file.js';
import { planGitignore } from './gitignore.js';
import { planEnvFile, type EnvChange } from './plan-env.js';
import { prepareSubmodule, type SubmoduleOutcome } from './prepare-submodule.js';
import { hasErrors, type Diagnostic } from '../../support/diagnostic.js';
import type { CommandResult } from '../../report/reporter.js';
import { generateSecret } from '../../config/generate-secret.js';

/** The options of `init`, as its declaration (index.ts) validates them. */
export interface InitOptions {
  url: string | undefined;
  path: string | undefined;
  branch: string | undefined;
  submodule: boolean;
  dryRun: boolean;
}

export interface FileChange {
  file: string;
  action: EnvChange['action'];
  keys?: string[];
  from?: EnvChange['from'];
}

export interface InitData {
  /** The data layer's state after init (on a dry run: as it would be). */
  state: DataLayerState;
  submodule: { path: string; url: string; commit: string | null; action: SubmoduleOutcome['action'] } | null;
  changes: FileChange[];
  composeFile: string | null;
  dryRun: boolean;
  /** A reminder when `.gitmodules` and the submodule are staged but not committed. */
  commitCommand: string | null;
  nextCommand: string;
  /** The same, as typed from the current directory (with -C / --env-file when they are needed). */
  nextCommandLine: string;
  /** Where the compose file and migrations are expected but absent (then the block is written off). */
  submoduleFilesMissing: string | null;
  /** The command lines to run next, in order (the first fetches the missing files, when they are). */
  nextSteps: string[];
}

export type InitResult = CommandResult<InitData>;

export async function run(options: InitOptions, context: Context): Promise<InitResult> {
  for (const [option, value] of [['--url', options.url], ['--path', options.path], ['--branch', options.branch]] as const) {
    if (value !== undefined) assertNotOption(option, value);
  }
  if (options.path !== undefined) assertWorkTreePath('--path', options.path);
  if (options.url !== undefined) {
    registerUrlCredentials(context.reporter.redactor, options.url);
    assertNoUrlCredentials('--url', options.url);
  }
  const submodule = options.submodule
    ? await prepareSubmodule(context, { url: options.url, path: options.path, branch: options.branch, dryRun: options.dryRun })
    : undefined;
  const submoduleDir = submodule?.directory ?? path.resolve(context.host.dir, options.path ?? DEFAULT_SUBMODULE_PATH);
  const composeFile = locateComposeFile(submoduleDir, submodule, options.dryRun);
  const composeValue = composeFile === undefined ? undefined : hostRelativePath(context.host.dir, composeFile);
  const diagnostics: Diagnostic[] = [...(submodule?.diagnostics ?? []), ...composeDiagnostics(context, submodule, composeFile)];

  const expectedComposeFile = hostRelativePath(context.host.dir, path.join(submoduleDir, 'compose.yaml'));
  const { envText, changes, secret } = await planFiles(context, composeValue, expectedComposeFile);
  context.reporter.redactor.add(secret);
  if (!options.dryRun) await writeChanges(changes, context.host.dir);

  let state = stateOf(envText ?? (await readEnvFile(context.host.envFile))?.text);
  if (!options.dryRun) {
    const check = await checkHost(context, {});
    diagnostics.push(...check.diagnostics);
    state = check.state;
  }
  const failed = hasErrors(diagnostics);
  // No compose file here: the block was written switched off; say how to get the files, then turn it on.
  const filesMissing = !options.dryRun && !failed && composeValue === undefined && state === 'disabled';
  const next = filesMissing ? 'enable' : nextCommand(options.dryRun, failed, state);
  return {
    exitCode: failed ? ExitCode.config : ExitCode.ok,
    diagnostics,
    data: {
      state,
      submodule: submodule
        ? { path: submodule.path, url: submodule.url, commit: submodule.commit ?? null, action: submodule.action }
        : null,
      changes: changes.map(({ change }) => change),
      composeFile: composeValue ?? null,
      dryRun: options.dryRun,
      commitCommand: submodule?.needsCommit ? commitCommandOf(context, submodule) : null,
      nextCommand: `datalayer ${next}`,
      nextCommandLine: commandLineFor(context.host, next),
      submoduleFilesMissing: filesMissing ? displayPath(context.host.dir, submoduleDir) : null,
      nextSteps: filesMissing
        ? [fetchFilesCommand(context, submoduleDir), commandLineFor(context.host, 'enable'), commandLineFor(context.host, 'up')]
        : [commandLineFor(context.host, next)],
    },
  };
}

/** The compose file the submodule has; on a dry run before checkout, the one the fork has. */
function locateComposeFile(submoduleDir: string, submodule: SubmoduleOutcome | undefined, dryRun: boolean): string | undefined {
  const found = findComposeFile(submoduleDir);
  if (found || !dryRun || !submodule || submodule.action === 'unchanged') return found;
  return path.join(submoduleDir, 'compose.yaml');
}

function composeDiagnostics(context: Context, submodule: SubmoduleOutcome | undefined, composeFile: string | undefined): Diagnostic[] {
  if (composeFile !== undefined || submodule === undefined) return [];
  return [
    {
      severity: 'error',
      code: 'INIT_COMPOSE_NOT_FOUND',
      message: `${displayPath(context.host.dir, submodule.directory)} has no compose file (compose.yaml, compose.yml, docker-compose.yml or docker-compose.yaml).`,
      hint: 'Check that --url points at chainlit-datalayer (or a fork of it); CHAINLIT_DATALAYER_COMPOSE was left commented out.',
    },
  ];
}

interface PlannedChange {
  change: FileChange;
  target: string;
  text: string;
  mode: number;
}

/** `.env` and `.gitignore` as they should be; nothing written yet. */
async function planFiles(
  context: Context,
  composeValue: string | undefined,
  expectedComposeFile: string,
): Promise<{ envText: string | undefined; changes: PlannedChange[]; secret: string | undefined }> {
  const host = context.host;
  const existing = await readEnvFile(host.envFile);
  const examplePath = path.join(host.dir, '.env.example');
  const example = existing === undefined && existsSync(examplePath) ? (await readEnvFile(examplePath))?.text : undefined;
  const envPlan = planEnvFile({ existing: existing?.text, example, composeFile: composeValue, expectedComposeFile, generateSecret });
  const changes: PlannedChange[] = [];
  if (envPlan.text !== undefined) {
    for (const change of envPlan.changes) {
      changes.push({ change: { file: host.envFileLabel, ...change }, target: host.envFile, text: envPlan.text, mode: 0o600 });
    }
  }
  const gitignorePath = path.join(host.dir, '.gitignore');
  const gitignoreText = await readRegularFile(gitignorePath);
  const gitignore = planGitignore(gitignoreText, ignoreEntries(context));
  if (gitignore) {
    const action = gitignoreText !== undefined ? 'append' : 'create';
    changes.push({ change: { file: '.gitignore', action, keys: gitignore.added }, target: gitignorePath, text: gitignore.text, mode: 0o644 });
  }
  return { envText: envPlan.text ?? existing?.text, changes, secret: envPlan.secret };
}

/** `.env` (or the --env-file, when inside the host) and `.datalayer/`. */
function ignoreEntries(context: Context): string[] {
  const label = context.host.envFileLabel;
  const envEntry = path.isAbsolute(label) ? undefined : label.split(path.sep).join('/');
  return [...(envEntry ? [envEntry] : []), '.datalayer/'];
}

/** Each file once, atomically (several changes can name the same file). */
async function writeChanges(changes: PlannedChange[], within: string): Promise<void> {
  // Every destination is checked before the first write: a refused .gitignore leaves .env alone too.
  for (const planned of changes) await assertEditable(planned.target, within);
  const written = new Set<string>();
  for (const planned of changes) {
    if (written.has(planned.target)) continue;
    written.add(planned.target);
    await writeFileAtomic(planned.target, planned.text, { mode: planned.mode, within });
  }
}

function stateOf(text: string | undefined): DataLayerState {
  if (text === undefined) return 'disabled';
  const values: Record<string, string> = {};
  for (const line of parseEnvDocument(text).lines) if (line.kind === 'entry' && line.key) values[line.key] = line.value ?? '';
  return dataLayerState(values);
}

/** Commits the registration where git keeps it: `.gitmodules` is at the repository's top, which the host may be below. */
function commitCommandOf(context: Context, submodule: SubmoduleOutcome): string {
  const paths = `.gitmodules ${shellQuote(submodule.pathInRepository)}`;
  return gitCommandLineIn(context.host.processCwd, submodule.repositoryRoot, `commit -m "Add the chainlit-datalayer submodule" -- ${paths}`);
}

/** The git command that puts chainlit-datalayer where the compose file is expected, for this host. */
function fetchFilesCommand(context: Context, submoduleDir: string): string {
  const target = shellQuote(hostRelativePath(context.host.dir, submoduleDir));
  switch (submoduleSituation(context.host.dir)) {
    case 'not-a-repository':
      return cloneCommand(context.host, submoduleDir);
    case 'registered':
      return gitCommandLineFor(context.host, `submodule update --init -- ${target}`);
    case 'not-registered':
      return gitCommandLineFor(context.host, `submodule add -- ${DEFAULT_SUBMODULE_URL} ${target}`);
  }
}

function nextCommand(dryRun: boolean, failed: boolean, state: DataLayerState): string {
  if (dryRun) return 'init';
  if (failed) return 'check';
  return state === 'disabled' ? 'enable' : 'up';
}
