import { execa } from 'execa';
import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliEntry = path.join(repoRoot, 'bin', 'datalayer.js');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The test runner may itself run under npm (`npm test`, `npx vitest`), which tells the processes it
 * starts; the CLI would then say its commands as `npx datalayer`. Its tests run it as `node
 * bin/datalayer.js`, unless a test sets these itself.
 */
const WITHOUT_PACKAGE_MANAGER = { npm_lifecycle_event: undefined, npm_execpath: undefined, npm_config_user_agent: undefined, npm_command: undefined };

/** The environment a test's datalayer runs with: this process's, `CI=true`, no package manager, then `own` (undefined unsets). */
export function cliEnvironment(own: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries({ ...process.env, CI: 'true', ...WITHOUT_PACKAGE_MANAGER, ...own })) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * Runs the built CLI as a user would, in its own process, without a terminal. The `--` keeps
 * Node from acting on datalayer's own `--env-file` (as the bin's shebang does).
 */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; input?: string } = {},
): Promise<CliRun> {
  const result = await execa(process.execPath, ['--', cliEntry, ...args], {
    cwd: options.cwd,
    env: cliEnvironment(options.env),
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Parses stdout as the single JSON document `--json` promises (throws if there is anything else). */
export function jsonOf(run: CliRun): Record<string, unknown> {
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** The command's own fields of a `--json` document (success: its result; failure: the error's details). */
export function dataOf(run: CliRun): Record<string, unknown> {
  return commandFieldsOf(jsonOf(run));
}

/**
 * `data` of a command that returned its result (exit 0, or e.g. `check` with errors), the error's
 * `details` of one that ended with an error (`data` is null there).
 */
export function commandFieldsOf(document: Record<string, unknown>): Record<string, unknown> {
  if (document.data !== null) return document.data as Record<string, unknown>;
  return (document.error as { details: Record<string, unknown> }).details;
}

/** The version the CLI reports (`datalayerVersion` of every document). */
export const packageVersion = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * examples/demo copied to `target` as a checkout holds it: not the `.env` and state that a demo run
 * (`npm run demo`, the README's first command) leaves in this working tree.
 */
export function copyDemoHost(target: string): void {
  const local = new Set(['.env', '.datalayer', '.data']);
  cpSync(path.join(repoRoot, 'examples', 'demo'), target, { recursive: true, filter: (source) => !local.has(path.basename(source)) });
}
