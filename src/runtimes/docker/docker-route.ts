/**
 * The route to the Docker daemon that the last `up` proved, as the runtime record keeps it: the
 * socket, the `docker` client that reached it, and the `docker compose` plugin's version (and its
 * executable, when `docker info` named it) when that plugin was the engine, so that a later command
 * need not start it only to ask its version, nor start the docker CLI to reach it.
 */
import { statSync } from 'node:fs';
import { parseComposeVersion, pluginEngineOf, PLUGIN_COMMAND, type ComposeEngine } from './engine.js';

export interface DockerRoute {
  socket: string;
  /** The `docker` client: path, size, inode and change time (a replaced client is another route). */
  client: string;
  /** The version the `docker compose` plugin answered through that client. */
  compose?: string;
  /** The plugin's executable: its path, and its size, inode and change time when recorded. */
  plugin?: { path: string; file: string };
}

/** Size, inode and change time of an executable: what changes when it is replaced; undefined when it is gone. */
export function executableIdentity(file: string): string | undefined {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats && `${stats.size} ${stats.ino} ${stats.ctimeMs}`;
}

/** The route, with the version (and executable) of the engine found on it when that engine is the plugin. */
export function routeWithEngine(route: DockerRoute, engine: ComposeEngine): DockerRoute {
  const { compose: _version, plugin: _plugin, ...rest } = route;
  if (engine.command.join(' ') !== PLUGIN_COMMAND.join(' ') || engine.version === 'unknown') return rest;
  const file = engine.plugin === undefined ? undefined : executableIdentity(engine.plugin);
  return { ...rest, compose: engine.version, ...(engine.plugin && file ? { plugin: { path: engine.plugin, file } } : {}) };
}

/**
 * The plugin the route recorded, as an engine, without starting it; undefined when none was. Its
 * executable is run directly only while it is the very file recorded (else through `docker compose`).
 */
export function recordedEngine(route: DockerRoute): ComposeEngine | undefined {
  const version = route.compose === undefined ? undefined : parseComposeVersion(route.compose);
  const executable = route.plugin && executableIdentity(route.plugin.path) === route.plugin.file ? route.plugin.path : undefined;
  return version && pluginEngineOf(version, executable);
}
