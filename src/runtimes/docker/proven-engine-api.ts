/**
 * When the daemon's API may stand in for `compose ps`: only on the route the last `up` proved (its
 * API listed the same containers as Compose did), only while the environment still takes that
 * route (the same socket, the same `docker` client first on PATH), and only when it answers now.
 * Anything else keeps the CLI, which stays the judge: it detects the engine and says what is wrong.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExecutable } from '../../process/find-executable.js';
import type { ComposeRuntime } from './compose-runtime.js';
import { executableIdentity, routeWithEngine, type DockerRoute } from './docker-route.js';
import { DockerEngineApi, dockerSocketOf } from './engine-api.js';

/** The route the environment takes now, or undefined when it cannot be told without the CLI. */
export function dockerRouteOf(env: Readonly<Record<string, string | undefined>>): DockerRoute | undefined {
  // Without DOCKER_HOST, a context chosen with `docker context use` decides where the CLI goes.
  if (!env.DOCKER_HOST && !onDefaultContext(env)) return undefined;
  const socket = dockerSocketOf(env);
  const client = dockerClientOf(env.PATH ?? '');
  return socket && client ? { socket, client } : undefined;
}

/**
 * The CLI's own configuration names no context but the default one (`currentContext` of
 * `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`). A file that cannot be read as JSON
 * cannot be vouched for: the CLI is asked instead.
 */
function onDefaultContext(env: Readonly<Record<string, string | undefined>>): boolean {
  const file = path.join(env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    if ((error as NodeJS.ErrnoException).code === 'EACCES' || (error as NodeJS.ErrnoException).code === 'EISDIR') return false;
    throw error;
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return false;
    throw error;
  }
  const context = (config as { currentContext?: unknown } | null)?.currentContext;
  return context === undefined || context === '' || context === 'default';
}

/** The first `docker` on PATH, as the runner finds it, with what changes when it is replaced. */
function dockerClientOf(searchPath: string): string | undefined {
  const found = findExecutable('docker', { PATH: searchPath });
  const identity = found && executableIdentity(found);
  return identity && `${found} ${identity}`;
}

/** The recorded route's API when the environment still takes it and it answers a ping; else undefined. */
export async function provenEngineApi(
  recorded: DockerRoute | undefined,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<DockerEngineApi | undefined> {
  const now = recorded && dockerRouteOf(env);
  if (!recorded || !now || now.socket !== recorded.socket || now.client !== recorded.client) return undefined;
  const api = new DockerEngineApi(recorded.socket);
  try {
    await api.ping(signal);
    return api;
  } catch {
    // Not answering (daemon stopped, socket gone): the CLI path says why, in its own words.
    return undefined;
  }
}

/**
 * After `up`: the route to record, and its API, when the API on it lists the very containers
 * `compose ps` lists for the project (same names, services and states). A CLI that talks to
 * another daemon (a context, a remote host, a wrapper on PATH) does not match, and nothing is
 * recorded.
 */
export async function proveEngineApi(
  runtime: ComposeRuntime,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<{ route: DockerRoute; api: DockerEngineApi } | undefined> {
  const route = dockerRouteOf(env);
  const engine = await runtime.engine();
  if (!route || engine.command[0] === 'podman') return undefined;
  const api = new DockerEngineApi(route.socket);
  // The API first: where it does not answer, or knows no container of the project (another daemon
  // behind the CLI), there is nothing to compare, and no `compose ps` is spent on it.
  const fromApi = await api.projectContainers(runtime.project, signal).catch(() => undefined);
  if (!fromApi || fromApi.length === 0) return undefined;
  const fromCli = await runtime.containers({ viaCli: true });
  const key = (list: typeof fromCli) => list.map((container) => `${container.name} ${container.service} ${container.state}`).sort().join('\n');
  return key(fromCli) === key(fromApi) ? { route: routeWithEngine(route, engine), api } : undefined;
}
