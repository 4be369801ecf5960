import path from 'node:path';
import type { ComposeModel } from '../config/compose/model.js';
import { serviceRole } from '../config/compose/roles.js';
import { nonEmpty, type HostConfig } from '../config/host-config.js';
import { runtimeChoice } from '../config/rules/runtime.js';
import type { Context } from '../context/context.js';
import { ConfigError, ExitCode, RefusedError, UsageError, isDatalayerError, type DatalayerError, messageHeadline } from '../support/errors.js';
import { endpointsOf } from '../config/endpoints.js';
import { COMPOSE_DEFAULTS, CONTAINER_PORTS } from '../config/keys.js';
import { readRuntimeRecord, type RuntimeRecord } from './runtime-record.js';
import { assertStateAccess } from '../support/project-owner.js';
import type { ComposeEngine } from './docker/engine.js';
import type { Runtime, RuntimeKind } from './runtime.js';

export interface SelectedRuntime {
  runtime: Runtime;
  /** Why this runtime, in one line (auto only). */
  reason?: string;
  /** The compose project name (docker). */
  project?: string;
}

/**
 * `--runtime` / DATALAYER_RUNTIME / auto. Auto keeps the runtime recorded by the last `up` (or the
 * native one when its servers run here though the record is gone), else takes Docker when an
 * engine and its daemon answer, else native. An explicit choice that differs from a running
 * recorded runtime is refused (exit 6); one that cannot even be asked (Docker gone) is not running.
 */
export async function selectRuntime(
  context: Context,
  config: HostConfig,
  compose: ComposeModel | undefined,
  option: string | undefined,
): Promise<SelectedRuntime> {
  const choice = runtimeChoice(option, config.values, context.env);
  if (choice !== 'auto' && choice !== 'docker' && choice !== 'native') {
    throw new UsageError(`--runtime ${choice}: expected auto, docker or native.`);
  }
  assertStateAccess(context.host.stateDir);
  const record = await readRuntimeRecord(context.host.stateDir);
  const inUse = record?.runtime ?? ((await nativeServersRun(context.host.stateDir)) ? 'native' : undefined);
  if (inUse && choice !== 'auto' && inUse !== choice) await refuseBesideRunning(inUse, choice, context, config, compose, record);
  const engineApi = record?.runtime === 'docker' && record.engineApi ? { engineApi: record.engineApi } : {};
  if (choice !== 'auto') return createRuntime(choice, context, config, compose, engineApi);
  if (record) return { ...(await createRuntime(record.runtime, context, config, compose, engineApi)), reason: `using the ${record.runtime} runtime of the last \`up\`` };
  if (inUse) return { ...(await createRuntime(inUse, context, config, compose)), reason: 'its servers already run for this project' };
  const { probeDocker } = await import('./docker/engine.js');
  const probe = await probeDocker(context.runner, { env: context.env, signal: context.signal });
  if (probe.available) {
    return { ...(await createRuntime('docker', context, config, compose, { detected: probe.engine })), reason: `Docker answers (server ${probe.serverVersion})` };
  }
  return {
    ...(await createRuntime('native', context, config, compose)),
    reason: `no Docker: ${messageHeadline(probe.reason.message).toLowerCase()}; running Postgres and S3 as local processes`,
  };
}

/** Starting `choice` while `inUse` runs is refused; a runtime that cannot be asked (Docker gone) does not run. */
async function refuseBesideRunning(
  inUse: RuntimeKind,
  choice: RuntimeKind,
  context: Context,
  config: HostConfig,
  compose: ComposeModel | undefined,
  record: RuntimeRecord | undefined,
): Promise<void> {
  let running = false;
  try {
    const recorded = await createRuntime(inUse, context, config, compose, { record });
    running = (await recorded.runtime.services()).some((s) => s.state === 'running');
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    context.reporter.warn(`The ${inUse} runtime of the last \`up\` cannot be asked (${messageHeadline(error.message)}); starting ${choice} instead.`);
  }
  if (running) {
    throw new RefusedError(`The ${inUse} runtime is running for this project; refusing to start ${choice} beside it.`, {
      hint: `Stop it first: \`datalayer down\` (it keeps the data), then \`datalayer up --runtime ${choice}\`.`,
      data: { runningRuntime: inUse },
    });
  }
  context.reporter.warn(`Switching from the ${inUse} runtime to ${choice}: each keeps its own data; the ${inUse} data is left where it is, not moved.`);
}

/** What `down`, `status` and `logs` act on; `selected` is undefined when it cannot be asked (`unavailable` says why). */
export interface RuntimeInUse {
  kind: RuntimeKind;
  selected: SelectedRuntime | undefined;
  unavailable?: DatalayerError;
  /** The compose project of the last `up` (docker). */
  project?: string;
}

/**
 * `--runtime` when given, else the runtime the last `up` recorded, else native when its servers
 * run here though the records are gone; undefined when nothing says a runtime was used.
 */
export async function runtimeInUse(
  context: Context,
  config: HostConfig,
  compose: ComposeModel | undefined,
  option?: RuntimeKind,
): Promise<RuntimeInUse | undefined> {
  assertStateAccess(context.host.stateDir);
  const record = await readRuntimeRecord(context.host.stateDir);
  const kind = option ?? record?.runtime ?? ((await nativeServersRun(context.host.stateDir)) ? 'native' : undefined);
  if (!kind) return dockerProjectFound(context, config, compose);
  const ofKind = record?.runtime === kind ? record : undefined;
  const project = ofKind?.project;
  try {
    const selected = await createRuntime(kind, context, config, compose, { record: ofKind });
    return { kind, selected, ...(project ? { project } : {}) };
  } catch (error) {
    if (!isUnavailable(error)) throw error;
    return { kind, selected: undefined, unavailable: error, ...(project ? { project } : {}) };
  }
}

/**
 * What `down` and `logs` act on: the runtime in use (see runtimeInUse), else the one `up` would
 * select now. Undefined when the runtime in use cannot be asked (`inUse.unavailable` says why).
 */
export async function inUseOrSelected(
  context: Context,
  config: HostConfig,
  compose: ComposeModel | undefined,
  inUse: RuntimeInUse | undefined,
): Promise<SelectedRuntime | undefined> {
  return inUse ? inUse.selected : selectRuntime(context, config, compose, undefined);
}

/**
 * No record and no native server, yet the containers of this host's compose project may run: the
 * record was deleted or damaged after `up`. Compose finds them by the project's name, as the host's
 * own `docker compose` does. Asked only when the runtime may be Docker and a daemon answers.
 */
async function dockerProjectFound(context: Context, config: HostConfig, compose: ComposeModel | undefined): Promise<RuntimeInUse | undefined> {
  if (config.state !== 'local' || runtimeChoice(undefined, config.values, context.env) === 'native') return undefined;
  const { probeDocker } = await import('./docker/engine.js');
  const probe = await probeDocker(context.runner, { env: context.env, signal: context.signal });
  if (!probe.available) return undefined;
  try {
    const selected = await createRuntime('docker', context, config, compose, { detected: probe.engine });
    const found = (await selected.runtime.services()).some((service) => service.state !== 'missing');
    return found ? { kind: 'docker', selected, ...(selected.project ? { project: selected.project } : {}) } : undefined;
  } catch (error) {
    // No compose file to ask with: nothing says this host's containers exist.
    if (isUnavailable(error)) return undefined;
    throw error;
  }
}

/** Docker gone (no client, no daemon) or no compose file any more: the runtime cannot be asked. */
function isUnavailable(error: unknown): error is DatalayerError {
  return isDatalayerError(error) && (error.exitCode === ExitCode.prerequisite || error.exitCode === ExitCode.config);
}

async function nativeServersRun(stateDir: string): Promise<boolean> {
  const { nativeServersRun: look } = await import('./native/native-servers.js');
  return look(stateDir);
}

/** What `createRuntime` may already know about the runtime it makes. */
export interface RuntimeFound {
  /** An engine already detected, with its daemon answering (auto's probe): not detected again. */
  detected?: ComposeEngine;
  /** The record of the last `up` with this runtime: its compose project and file win (the folder may have moved, `.env` may be disabled). */
  record?: RuntimeRecord | undefined;
  /** The daemon route the last `up` proved (the record's), when the record itself is not to be followed. */
  engineApi?: RuntimeRecord['engineApi'];
}

export async function createRuntime(
  kind: RuntimeKind,
  context: Context,
  config: HostConfig,
  compose: ComposeModel | undefined,
  found: RuntimeFound = {},
): Promise<SelectedRuntime> {
  if (kind === 'docker') return createComposeRuntime(context, config, compose, found);
  const { NativeRuntime } = await import('./native/native-runtime.js');
  const endpoints = endpointsOf(config);
  const values = config.values;
  const runtime = new NativeRuntime(
    {
      stateDir: context.host.stateDir,
      postgres: {
        port: endpoints.postgresPort ?? CONTAINER_PORTS.postgres,
        user: nonEmpty(values.POSTGRES_USER) ?? COMPOSE_DEFAULTS.POSTGRES_USER,
        password: nonEmpty(values.POSTGRES_PASSWORD) ?? COMPOSE_DEFAULTS.POSTGRES_PASSWORD,
        database: nonEmpty(values.POSTGRES_DB) ?? COMPOSE_DEFAULTS.POSTGRES_DB,
      },
      s3: {
        port: endpoints.s3Port ?? CONTAINER_PORTS.localstack,
        accessKey: endpoints.accessKey ?? 'datalayer',
        secretKey: endpoints.secretKey ?? 'datalayer',
      },
    },
    { runner: context.runner, signal: context.signal, output: { write: (text) => context.reporter.serviceLog(text), drained: () => context.reporter.drained() } },
  );
  return { runtime };
}

/** Docker Compose for this host: the engine is detected now, or on its first compose call when the API route holds. */
async function createComposeRuntime(context: Context, config: HostConfig, compose: ComposeModel | undefined, found: RuntimeFound): Promise<SelectedRuntime> {
  const { detected, record } = found;
  const composeFile = config.composeFile ?? (record?.composeFile === undefined ? undefined : path.resolve(context.host.dir, record.composeFile));
  if (!composeFile) throw new ConfigError('CHAINLIT_DATALAYER_COMPOSE is not set; the docker runtime needs a compose file.');
  const [{ detectEngineAndDaemon, detectEngineBesideAnsweringDocker }, { composeProjectName }, { ComposeRuntime }, { provenEngineApi }, { recordedEngine }] = await Promise.all([
    import('./docker/engine.js'),
    import('./docker/project-name.js'),
    import('./docker/compose-runtime.js'),
    import('./docker/proven-engine-api.js'),
    import('./docker/docker-route.js'),
  ]);
  const call = { env: context.env, signal: context.signal };
  // A socket the last `up` proved, still named by DOCKER_HOST and answering: the engine is only
  // looked for once a compose call is made (states come from the API), and the docker daemon is
  // not asked again, its API's ping having just answered.
  const route = found.engineApi ?? record?.engineApi;
  const engineApi = await provenEngineApi(route, context.env, context.signal);
  const said = (engine: ComposeEngine) => {
    for (const warning of engine.warnings) context.reporter.warn(warning);
    return engine;
  };
  const detect = async () =>
    said(detected ?? (engineApi ? await detectEngineBesideAnsweringDocker(context.runner, call) : (await detectEngineAndDaemon(context.runner, call)).engine));
  // The plugin the route recorded is taken as it answered then; a call that finds it gone, and
  // output streamed to the user, get an engine detected now (ComposeRuntime's redetect).
  const recorded = !detected && engineApi && route ? recordedEngine(route) : undefined;
  const engine = recorded ? async () => said(recorded) : engineApi ? detect : await detect();
  const project = record?.project ?? composeProjectName(context.host.dir, config.values);
  const roles = new Map((compose?.services ?? []).map((service) => [service.name, serviceRole(service)]));
  const runtime = new ComposeRuntime({
    runner: context.runner,
    engine,
    ...(engineApi && route ? { engineApi, engineRoute: route } : {}),
    ...(recorded ? { redetect: detect } : {}),
    project,
    composeFile: path.resolve(composeFile),
    envFile: context.host.envFile,
    reporter: context.reporter,
    env: context.env,
    signal: context.signal,
    roleOf: (service) => roles.get(service),
    plainOutput: !context.reporter.style.color,
    ...(compose ? { declaredServices: compose.services.map((service) => service.name) } : {}),
  });
  return { runtime, project };
}
