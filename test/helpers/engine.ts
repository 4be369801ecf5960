import { execa } from 'execa';
import { beforeAll, describe, inject } from 'vitest';
import { DOCKER_INFO_FORMAT, pluginEngineFrom } from '../../src/runtimes/docker/engine.js';
import { probeEngine } from './engine-probe.js';

/**
 * The real Docker engine of the real-engine tests (`npm run engine` sets one up). They run where
 * one answers and skip, saying why, elsewhere; DATALAYER_ENGINE_REQUIRED=1 (CI) makes them fail
 * instead of skipping.
 */
export const engineRequired = process.env.DATALAYER_ENGINE_REQUIRED === '1';

declare module 'vitest' {
  export interface ProvidedContext {
    /** probeEngine()'s answer for the whole run; null when an engine answers. */
    engineUnavailable: string | null;
  }
}

let verdict: string | undefined | null = null;

/** Why the real-engine tests cannot run here: the run's answer, or this file's own when the run has none. */
export function engineUnavailable(): string | undefined {
  if (verdict !== null) return verdict;
  const provided = inject('engineUnavailable');
  verdict = provided === undefined ? probeEngine() : (provided ?? undefined);
  return verdict;
}

/**
 * A real engine on a busy two-core machine: one step (a cold `up`, two at once) can take minutes,
 * where a bug shows as a wrong exit code or output, not as slowness.
 */
const ENGINE_TEST_TIMEOUT_MS = 300_000;

/** `describe` for real-engine tests: runs, skips with the reason, or (required) fails with it. */
export function describeEngine(name: string, body: () => void): void {
  const reason = engineUnavailable();
  if (reason === undefined) {
    describe(name, { timeout: ENGINE_TEST_TIMEOUT_MS }, body);
  } else if (engineRequired) {
    describe(name, { timeout: ENGINE_TEST_TIMEOUT_MS }, () => {
      beforeAll(() => {
        throw new Error(`DATALAYER_ENGINE_REQUIRED=1, but ${reason}`);
      });
      body();
    });
  } else {
    console.warn(`${name}: skipped, ${reason}`);
    describe.skip(`${name} (skipped: ${reason})`, body);
  }
}

export interface DockerRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function runTool(file: string, args: string[], options: { cwd?: string; env?: Record<string, string> }): Promise<DockerRun> {
  const result = await execa(file, args, { cwd: options.cwd, env: options.env, reject: false, stdin: 'ignore', timeout: 300_000 });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The real docker CLI (argument arrays), as a test checks what the engine holds. */
export function docker(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<DockerRun> {
  return runTool('docker', args, options);
}

let pluginExecutable: Promise<string | undefined> | undefined;

/**
 * Compose, as a test drives it to set up or take away what it checks: the compose plugin's own
 * executable, found as datalayer finds it in `docker info` (one process, where `docker compose`
 * starts three), or `docker compose` when the client names none. What the user runs by hand stays
 * `docker compose`.
 */
export async function compose(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<DockerRun> {
  pluginExecutable ??= docker(['info', '--format', DOCKER_INFO_FORMAT]).then((run) => pluginEngineFrom(run.stdout)?.plugin);
  const plugin = await pluginExecutable;
  return plugin ? runTool(plugin, args, options) : docker(['compose', ...args], options);
}

/**
 * A compose call as `--verbose` echoes it, followed by `rest` (a regular expression's source): made
 * through the docker CLI (`docker compose ...`), or straight to the plugin's executable that
 * `docker info` named (`/usr/libexec/docker/cli-plugins/docker-compose ...`).
 */
export function composeCallLine(rest: string): RegExp {
  return new RegExp(String.raw`^\$ (?:docker compose|\S*/docker-compose) ${rest}`, 'm');
}

/** Names of the containers (running or not) of a compose project, sorted. */
export async function projectContainers(project: string): Promise<string[]> {
  const run = await docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}']);
  if (run.exitCode !== 0) throw new Error(`docker ps failed: ${run.stderr}`);
  return run.stdout.split('\n').filter(Boolean).sort();
}

export async function projectNetworks(project: string): Promise<string[]> {
  const run = await docker(['network', 'ls', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Name}}']);
  if (run.exitCode !== 0) throw new Error(`docker network ls failed: ${run.stderr}`);
  return run.stdout.split('\n').filter(Boolean).sort();
}

/** What a user must never see without asking: Node's own warnings, terminal control sequences. */
export function unwantedOutput(text: string): string[] {
  const found: string[] = [];
  if (/\(node:\d+\)|MaxListenersExceeded/.test(text)) found.push('a Node warning');
  const control = /\x1b|\r(?!\n)/.exec(text);
  if (control) found.push(`a terminal control sequence (${JSON.stringify(text.slice(Math.max(0, control.index - 20), control.index + 10))})`);
  return found;
}

/**
 * Takes a test stack away whatever the tests left: datalayer's own `down --volumes` (it deletes
 * the container-owned data directory), Compose's by project label for anything it missed, then
 * the host directory.
 */
export async function removeEngineStack(host: { cleanup(): void }, project: string, cli: (args: string[]) => Promise<unknown>): Promise<void> {
  await cli(['down', '--volumes', '--yes']);
  await compose(['-p', project, 'down', '--volumes', '--timeout', '2']);
  host.cleanup();
}
