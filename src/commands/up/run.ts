import path from 'node:path';
import type { HostCheck } from '../../config/check-host.js';
import { CONTAINER_PORTS, type RuntimeChoice } from '../../config/keys.js';
import { printWarnings, requireValidConfig } from '../../config/require-valid-config.js';
import { migrationsDirectory } from '../../config/rules/migrations.js';
import type { Context } from '../../context/context.js';
import { ExitCode } from '../../support/errors.js';
import { commandLineFor } from '../../context/host-project.js';
import { DATA_LAYER_KEYS } from '../../config/env-template.js';
import { maskUrlPassword } from '../../report/redactor.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { readRuntimeRecord, writeRuntimeRecord, type RuntimeRecord } from '../../runtimes/runtime-record.js';
import type { ComposeRuntime } from '../../runtimes/docker/compose-runtime.js';
import type { Runtime, ServiceRole, ServiceState } from '../../runtimes/runtime.js';
import { selectRuntime } from '../../runtimes/select-runtime.js';
import { endpointsOf, type Endpoints } from '../../config/endpoints.js';
import { assertPortsAvailable, plannedPorts } from '../../services/up/port-preflight.js';
import { applyMigrations, ensureConfiguredBucket, waitForDatabase, type BucketOutcome, type MigrationOutcome } from '../../services/up/provision.js';
import { planServices, startExtraServices, type ExtraOutcome, type ServicePlan } from '../../services/up/service-plan.js';
import { serviceExitWatch } from '../../services/up/service-watch.js';
import { announceChanges, sameSettings, settingChanges, stackSettingsOf } from '../../services/up/settings-drift.js';
import { makeStackReady, type StackReadyOutcome } from './stack-ready.js';
import { startEarlyLogin } from './early-login.js';
import { finishBeforeExit } from '../../support/finish-before-exit.js';

/** The options of `up`, as its declaration (index.ts) validates them. */
export interface UpOptions {
  runtime: RuntimeChoice | undefined;
  /** Seconds. */
  timeout: number;
  wait: boolean;
  migrate: boolean;
  /** Only these compose services of the data layer. */
  services: string[] | undefined;
  /** Other compose services to start after the data layer. */
  with: string[] | undefined;
  createBucket: boolean;
}

/** Warnings about what `up` itself takes care of. */
const UP_HANDLES = ['BUCKET_NOT_CREATED_BY_STACK'];

export interface UpData {
  state: 'local' | 'external' | 'disabled';
  runtime: 'docker' | 'native' | null;
  /** Why auto chose this runtime. */
  runtimeReason?: string;
  project?: string;
  started: boolean;
  services: ServiceState[];
  urls: { host: Record<string, string>; container: Record<string, string> } | null;
  bucket: BucketOutcome | null;
  /** An S3 emulator that keeps objects in memory: the objects `down` saved that were put back. */
  savedObjects: { restored: number; saved: number } | null;
  migrations: MigrationOutcome | null;
  /** Services of the compose file that `up` did not start: not needed, and not asked for. */
  leftOut: string[];
  /** Services asked for besides the data layer (`--with`), started last. */
  extras: ExtraOutcome[];
  message?: string;
  /** The next commands, as typed from the current directory (with -C / --env-file when needed). */
  commandLines?: { status: string; down: string };
}
export type UpResult = CommandResult<UpData>;

export async function run(options: UpOptions, context: Context): Promise<UpResult> {
  // --timeout is for the services: the time spent waiting for the project lock does not count.
  const deadline = Date.now() + options.timeout * 1000;
  const check = await requireValidConfig(context, { ...(options.runtime ? { runtime: options.runtime } : {}), printWarnings: false });
  if (check.state === 'disabled') {
    return result(check, { runtime: null, started: false, services: [], urls: null, bucket: null, savedObjects: null, migrations: null, leftOut: [], extras: [], message: disabledMessage(check) });
  }
  const endpoints = endpointsOf(check.config);
  if (check.state === 'external') {
    printWarnings(context, check.diagnostics);
    return upExternal(context, { check, endpoints, options, deadline });
  }
  return upLocal(context, { check, endpoints, options, deadline });
}

/** What both ways of `up` work from: the checked configuration, its endpoints, the options, and when --timeout ends. */
interface UpRequest {
  check: HostCheck;
  endpoints: Endpoints;
  options: UpOptions;
  /** Epoch milliseconds. */
  deadline: number;
}

async function upExternal(context: Context, { check, endpoints, options, deadline }: UpRequest): Promise<UpResult> {
  context.reporter.info('External data layer: nothing to start; checking the database and the bucket.');
  await waitForDatabase(context, endpoints, { deadline });
  const migrations = options.migrate ? await applyMigrations(context, endpoints.databaseUrl, migrationsDirectory(check.config)) : null;
  const bucket = await ensureConfiguredBucket(context, endpoints, { create: options.createBucket });
  return result(check, { runtime: null, started: false, services: [], urls: urlsOf(endpoints), bucket: bucket ?? null, savedObjects: null, migrations, leftOut: [], extras: [] });
}

async function upLocal(context: Context, { check, endpoints, options, deadline }: UpRequest): Promise<UpResult> {
  const selected = await selectRuntime(context, check.config, check.compose, options.runtime);
  const { runtime } = selected;
  if (selected.reason) context.reporter.info(`Runtime: ${runtime.kind} (${selected.reason})`);
  // up creates the bucket itself, and the native runtime uses no LocalStack image.
  printWarnings(context, check.diagnostics, runtime.kind === 'native' ? [...UP_HANDLES, 'COMPOSE_LOCALSTACK_LATEST'] : UP_HANDLES);
  const plan = planFor(context, runtime, check, options);
  const record = await readRuntimeRecord(context.host.stateDir);
  const wantsPostgres = plan.core === undefined || plan.core.includes('postgres');
  const earlyLogin = options.wait && wantsPostgres && record?.runtime === runtime.kind ? startEarlyLogin(context, endpoints, deadline) : undefined;
  const before = await runtime.services();
  const recorded = record?.runtime === runtime.kind ? record.settings : undefined;
  const changes = settingChanges(recorded, before, check.config, endpoints);
  announceChanges(context, runtime.kind, changes);
  const settings = stackSettingsOf(check.config, endpoints, recorded);
  const wanted = plan.core;
  const roles = rolesToWaitFor(before, wanted);
  const alreadyUp = roles.length > 0 && roles.every((role) => before.some((s) => s.role === role && s.state === 'running'));
  // Services to start: the login ahead of them would only have found nothing (or the old server).
  if (!alreadyUp || !roles.includes('postgres')) earlyLogin?.drop();
  if (!alreadyUp) {
    const ports = plannedPorts(runtime, check.compose, { postgres: endpoints.postgresPort ?? CONTAINER_PORTS.postgres, s3: endpoints.s3Port ?? CONTAINER_PORTS.localstack }, wanted);
    await assertPortsAvailable(context, ports, before);
    // Recorded before anything starts: what a failed or interrupted `up` started is still found by `down` and `status`.
    await recordRuntime(context, check, selected.project, runtime, settings);
    const progress = context.reporter.progress(`Starting services (${runtime.kind})`);
    try {
      const starting = runtime.start({ ...(wanted ? { services: wanted } : {}), signal: context.signal });
      // Ctrl-C ends this wait at once; what the start spawned meanwhile is recorded before the process exits.
      finishBeforeExit(context, starting);
      await starting;
      progress.done(`Services started (${runtime.kind})`);
    } catch (error) {
      progress.fail('Services did not start');
      throw error;
    }
  } else {
    context.reporter.info(`${context.reporter.style.ok('✔')} Services already running (${runtime.kind})`);
  }
  let ready: StackReadyOutcome | undefined;
  if (options.wait) {
    // Proven now, the route serves the waits' own looks at the containers, not only the next command.
    await rememberEngineApi(context, check, selected.project, runtime, settings);
    const declared = Object.fromEntries((check.compose?.services ?? []).map((service) => [service.name, service]));
    const exitWatch = serviceExitWatch(runtime, roles, declared);
    const migrate = options.migrate && roles.includes('postgres');
    ready = await makeStackReady(context, { check, endpoints, runtime, roles, migrate, deadline, exitWatch, changes, earlyLogin: earlyLogin?.take() });
  }
  // What the running stack now serves, for the next `up` to compare with; a record deleted or damaged
  // since is written again, so that `down` after `disable` still finds the stack.
  if (alreadyUp && (recorded === undefined || !sameSettings(recorded, settings))) {
    await recordRuntime(context, check, record?.project ?? selected.project, runtime, settings, record);
  }
  const extras = plan.extras.length > 0 ? await startExtraServices(context, runtime, plan.extras, before) : [];
  return result(check, {
    runtime: runtime.kind,
    ...(selected.reason ? { runtimeReason: selected.reason } : {}),
    ...(selected.project ? { project: selected.project } : {}),
    started: !alreadyUp,
    // Nothing was started: the states read before are still the states.
    services: alreadyUp && extras.length === 0 ? before : await runtime.services(),
    // Container-side addresses exist only inside a compose project: natively there is none.
    urls: urlsOf(endpoints, runtime.kind === 'docker'),
    bucket: ready?.bucket ?? null,
    savedObjects: ready?.savedObjects ?? null,
    migrations: ready?.migrations ?? null,
    leftOut: plan.leftOut,
    extras,
  });
}

/** Compose services to start; the native runtime runs Postgres and S3 and nothing else. */
function planFor(context: Context, runtime: { kind: string }, check: HostCheck, options: UpOptions): ServicePlan {
  if (runtime.kind === 'docker') return planServices(check.compose, { ...(options.services ? { services: options.services } : {}), ...(options.with ? { with: options.with } : {}) });
  if (options.with?.length) context.reporter.warn(`--with ${options.with.join(',')} is ignored: the native runtime runs only Postgres and S3.`);
  return { core: options.services, extras: [], leftOut: [] };
}

async function recordRuntime(
  context: Context,
  check: HostCheck,
  project: string | undefined,
  runtime: Runtime,
  settings: ReturnType<typeof stackSettingsOf>,
  previous?: RuntimeRecord,
  proven?: RuntimeRecord['engineApi'],
): Promise<void> {
  const kind = runtime.kind;
  const composeFile = kind === 'docker' && check.config.composeFile ? path.relative(context.host.dir, check.config.composeFile) : previous?.composeFile;
  const engineApi = proven ?? (runtime as Partial<ComposeRuntime>).engineRoute;
  await writeRuntimeRecord(context.host.stateDir, kind, { ...(project ? { project } : {}), ...(composeFile ? { composeFile } : {}), settings, ...(engineApi ? { engineApi } : {}) });
}

/**
 * Docker, once the containers run: record the daemon socket whose API lists the same containers as
 * `compose ps`, so that the next `up`, `status` and `down` read states there instead of starting
 * CLIs; the rest of this run reads them there too (each look while Postgres initialises would
 * otherwise be a `compose ps`, CPU the starting services need). Already done when this run read
 * its states there.
 */
async function rememberEngineApi(context: Context, check: HostCheck, project: string | undefined, runtime: Runtime, settings: ReturnType<typeof stackSettingsOf>): Promise<void> {
  if (runtime.kind !== 'docker' || (runtime as ComposeRuntime).engineRoute) return;
  const { proveEngineApi } = await import('../../runtimes/docker/proven-engine-api.js');
  const proven = await proveEngineApi(runtime as ComposeRuntime, context.env, context.signal);
  if (!proven) return;
  (runtime as ComposeRuntime).adoptEngineApi(proven.api, proven.route);
  await recordRuntime(context, check, project, runtime, settings, undefined, proven.route);
}

/** Persistence off: the block is commented out (enable turns it on), or not there at all (init adds it). */
function disabledMessage(check: HostCheck): string {
  const label = check.config.host.envFileLabel;
  const commented = (check.config.document?.lines ?? []).some((line) => line.kind === 'comment' && (DATA_LAYER_KEYS as readonly string[]).includes(line.commentedKey ?? ''));
  const what = `Persistence is disabled: ${label} sets neither CHAINLIT_DATALAYER_COMPOSE nor DATABASE_URL, so there is nothing to start.`;
  return commented
    ? `${what} Its data-layer block is commented out: \`datalayer enable\` turns it on (\`datalayer check\` then says if anything is missing).`
    : `${what} \`datalayer init\` adds the data-layer block.`;
}

function rolesToWaitFor(services: ServiceState[], wanted: string[] | undefined): ServiceRole[] {
  const all: ServiceRole[] = ['postgres', 's3'];
  if (!wanted?.length) return all;
  return all.filter((role) => services.some((s) => s.role === role && wanted.includes(s.name)) || wanted.includes(role) || (role === 's3' && wanted.includes('localstack')));
}

function urlsOf(endpoints: Endpoints, containerSide = false): UpData['urls'] {
  const host: Record<string, string> = { DATABASE_URL: endpoints.databaseUrl };
  if (endpoints.s3Endpoint) host.DEV_AWS_ENDPOINT = endpoints.s3Endpoint;
  const container: Record<string, string> = {};
  if (containerSide && endpoints.containerDatabaseUrl) container.DATABASE_URL = endpoints.containerDatabaseUrl;
  if (containerSide && endpoints.containerS3Endpoint) container.DEV_AWS_ENDPOINT = endpoints.containerS3Endpoint;
  return { host: mapValues(host, maskUrlPassword), container: mapValues(container, maskUrlPassword) };
}

function mapValues(record: Record<string, string>, map: (value: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

function result(check: HostCheck, data: Omit<UpData, 'state'>): UpResult {
  const host = check.config.host;
  const commandLines = data.urls ? { commandLines: { status: commandLineFor(host, 'status -o env'), down: commandLineFor(host, 'down') } } : {};
  return { exitCode: ExitCode.ok, diagnostics: check.diagnostics, data: { state: check.state, ...data, ...commandLines } };
}

export function render(result: UpResult, style: Style): string {
  const { data } = result;
  if (data.message) return data.message;
  const lines: string[] = [];
  lines.push(style.ok(`✔ Data layer is up`) + (data.runtime ? ` (${data.runtime}${data.project ? `, project ${data.project}` : ''})` : ' (external)'));
  if (data.urls) {
    lines.push('', 'For a Chainlit app on this machine:');
    for (const [key, value] of Object.entries(data.urls.host)) lines.push(`  ${key}=${value}`);
    if (Object.keys(data.urls.container).length > 0) {
      lines.push('For a Chainlit app in a container of the same compose project:');
      for (const [key, value] of Object.entries(data.urls.container)) lines.push(`  ${key}=${value}`);
    }
  }
  if (data.bucket) lines.push(`Bucket:     ${data.bucket.name}${data.bucket.created ? ' (created)' : ''}`);
  if (data.savedObjects && data.savedObjects.saved > 0) lines.push(`Objects:    ${data.savedObjects.restored} of ${data.savedObjects.saved} saved by \`down\` put back`);
  if (data.migrations) {
    const { applied, appliedNow } = data.migrations;
    lines.push(`Migrations: ${applied.length} applied${appliedNow.length ? ` (${appliedNow.length} just now)` : ''}`);
  }
  const failed = data.extras.filter((extra) => !extra.started).map((extra) => extra.name);
  if (failed.length > 0) lines.push(style.warn(`Did not start: ${failed.join(', ')} (see the warning above; the data layer is not affected).`));
  if (data.leftOut.length > 0) {
    lines.push(
      `Not started: ${data.leftOut.join(', ')} (not needed by the data layer). Start ${data.leftOut.length === 1 ? 'it' : 'them'} with \`datalayer up --with ${data.leftOut.join(',')}\`.`,
    );
  }
  const status = data.commandLines?.status ?? 'datalayer status -o env';
  const down = data.commandLines?.down ?? 'datalayer down';
  const stop = data.runtime ? `; ${style.command(down)} ${style.dim('stops the services.')}` : style.dim('.');
  lines.push('', `${style.command(status)} ${style.dim('prints these with the password, for scripts')}${stop}`);
  return lines.join('\n');
}
