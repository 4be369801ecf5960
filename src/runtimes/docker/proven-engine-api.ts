/**
 * When the daemon's API may stand in for `compose ps`: only at the socket the last `up` proved
 * (its API listed the same containers as Compose did), only while the environment still names
 * that socket, and only when it answers now. Anything else keeps the CLI, which stays the judge.
 */
import type { ComposeRuntime } from './compose-runtime.js';
import { DockerEngineApi, dockerSocketOf } from './engine-api.js';

/** The recorded socket's API when DOCKER_HOST still names it and it answers a ping; else undefined. */
export async function provenEngineApi(
  recorded: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<DockerEngineApi | undefined> {
  if (!recorded || dockerSocketOf(env) !== recorded) return undefined;
  const api = new DockerEngineApi(recorded);
  try {
    await api.ping(signal);
    return api;
  } catch {
    // Not answering (daemon stopped, socket gone): the CLI path says why, in its own words.
    return undefined;
  }
}

/**
 * After `up`: the socket to record, when the API there lists the very containers `compose ps`
 * lists for the project (same names, same states). A CLI that talks to another daemon (a
 * context, a remote host, a wrapper on PATH) does not match, and nothing is recorded.
 */
export async function proveEngineApi(runtime: ComposeRuntime, env: Readonly<Record<string, string | undefined>>, signal?: AbortSignal): Promise<string | undefined> {
  const socket = dockerSocketOf(env);
  if (!socket || (await runtime.engine()).command[0] === 'podman') return undefined;
  const api = new DockerEngineApi(socket);
  const [fromCli, fromApi] = await Promise.all([runtime.containers({ viaCli: true }), api.projectContainers(runtime.project, signal).catch(() => undefined)]);
  if (!fromApi || fromCli.length === 0) return undefined;
  const key = (list: typeof fromCli) => list.map((container) => `${container.name} ${container.service} ${container.state}`).sort().join('\n');
  return key(fromCli) === key(fromApi) ? socket : undefined;
}
