import path from 'node:path';
import type { ComposeModel } from '../config/compose/model.js';
import { serviceRole } from '../config/compose/roles.js';
import { nonEmpty, type HostConfig } from '../config/host-config.js';
import { runtimeChoice } from '../config/rules/runtime.js';
import type { Context } from '../context/context.js';
import { ConfigError, RefusedError, UsageError } from '../support/errors.js';
import { endpointsOf } from '../config/endpoints.js';
import { readRuntimeRecord } from './runtime-record.js';
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
 * `--runtime` / DATALAYER_RUNTIME / auto. Auto keeps the runtime recorded by the last `up`, else
 * takes Docker when an engine and its daemon answer, else native. An explicit choice that differs
 * from a running recorded runtime is refused (exit 6).
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
  const record = await readRuntimeRecord(context.host.stateDir);
  if (record && choice !== 'auto' && record.runtime !== choice) {
    const recorded = await createRuntime(record.runtime, context, config, compose);
    const running = (await recorded.runtime.services()).some((s) => s.state === 'running');
    if (running) {
      throw new RefusedError(`The ${record.runtime} runtime is running for this project; refusing to start ${choice} beside it.`, {
        hint: `Stop it first: \`datalayer down\` (it keeps the data), then \`datalayer up --runtime ${choice}\`.`,
        data: { runningRuntime: record.runtime },
      });
    }
  }
  if (choice !== 'auto') return createRuntime(choice, context, config, compose);
  if (record) return { ...(await createRuntime(record.runtime, context, config, compose)), reason: `using the ${record.runtime} runtime of the last \`up\`` };
  const { probeDocker } = await import('./docker/engine.js');
  const probe = await probeDocker(context.runner, { env: context.env, signal: context.signal });
  if (probe.available) {
    return { ...(await createRuntime('docker', context, config, compose, probe.engine)), reason: `Docker answers (server ${probe.serverVersion})` };
  }
  return {
    ...(await createRuntime('native', context, config, compose)),
    reason: `no Docker: ${(probe.reason.message.split('\n')[0] ?? '').replace(/\.$/, '').toLowerCase()}; running Postgres and S3 as local processes`,
  };
}

/** The runtime recorded by the last `up`, for `down`, `status` and `logs`; undefined when nothing was started. */
export async function recordedRuntime(
  context: Context,
  config: HostConfig,
  compose: ComposeModel | undefined,
): Promise<SelectedRuntime | undefined> {
  const record = await readRuntimeRecord(context.host.stateDir);
  return record ? createRuntime(record.runtime, context, config, compose) : undefined;
}

export async function createRuntime(
  kind: RuntimeKind,
  context: Context,
  config: HostConfig,
  compose: ComposeModel | undefined,
  /** An engine already detected, with its daemon answering (auto's probe): not detected again. */
  detected?: ComposeEngine,
): Promise<SelectedRuntime> {
  if (kind === 'docker') {
    if (!config.composeFile) throw new ConfigError('CHAINLIT_DATALAYER_COMPOSE is not set; the docker runtime needs a compose file.');
    const [{ detectEngineAndDaemon }, { composeProjectName }, { ComposeRuntime }] = await Promise.all([
      import('./docker/engine.js'),
      import('./docker/project-name.js'),
      import('./docker/compose-runtime.js'),
    ]);
    const call = { env: context.env, signal: context.signal };
    const engine = detected ?? (await detectEngineAndDaemon(context.runner, call)).engine;
    for (const warning of engine.warnings) context.reporter.warn(warning);
    const project = composeProjectName(context.host.dir, config.values);
    const roles = new Map((compose?.services ?? []).map((service) => [service.name, serviceRole(service)]));
    const runtime = new ComposeRuntime({
      runner: context.runner,
      engine,
      project,
      composeFile: path.resolve(config.composeFile),
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
  const { NativeRuntime } = await import('./native/native-runtime.js');
  const endpoints = endpointsOf(config);
  const values = config.values;
  const runtime = new NativeRuntime(
    {
      stateDir: context.host.stateDir,
      postgres: {
        port: endpoints.postgresPort ?? 5432,
        user: nonEmpty(values.POSTGRES_USER) ?? 'root',
        password: nonEmpty(values.POSTGRES_PASSWORD) ?? 'root',
        database: nonEmpty(values.POSTGRES_DB) ?? 'postgres',
      },
      s3: {
        port: endpoints.s3Port ?? 4566,
        accessKey: endpoints.accessKey ?? 'datalayer',
        secretKey: endpoints.secretKey ?? 'datalayer',
      },
    },
    { runner: context.runner, signal: context.signal, output: { write: (text) => context.reporter.serviceLog(text) } },
  );
  return { runtime };
}
