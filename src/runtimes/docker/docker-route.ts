/**
 * The route to the Docker daemon that the last `up` proved, as the runtime record keeps it: the
 * socket, the `docker` client that reached it, and the `docker compose` plugin's version when that
 * plugin was the engine, so that a later command need not start it only to ask its version.
 */
import { composeVersionWarnings, isLegacyCompose, parseComposeVersion, type ComposeEngine } from './engine.js';

export interface DockerRoute {
  socket: string;
  /** The `docker` client: path, size, inode and change time (a replaced client is another route). */
  client: string;
  /** The version the `docker compose` plugin answered through that client. */
  compose?: string;
}

const PLUGIN = ['docker', 'compose'] as const;

/** The route, with the version of the engine found on it when that engine is the plugin. */
export function routeWithEngine(route: DockerRoute, engine: ComposeEngine): DockerRoute {
  const { compose: _previous, ...rest } = route;
  return engine.command.join(' ') === PLUGIN.join(' ') && engine.version !== 'unknown' ? { ...rest, compose: engine.version } : rest;
}

/** The plugin the route recorded, as an engine, without starting it; undefined when none was. */
export function recordedEngine(route: DockerRoute): ComposeEngine | undefined {
  const version = route.compose === undefined ? undefined : parseComposeVersion(route.compose);
  if (!version || isLegacyCompose(PLUGIN, version)) return undefined;
  return { command: [...PLUGIN], ...version, warnings: composeVersionWarnings(PLUGIN, version) };
}
