import { checkHost } from '../../config/check-host.js';
import type { HostConfig } from '../../config/host-config.js';
import type { Context } from '../../context/context.js';
import { ConfigError, ExitCode, UsageError, messageHeadline } from '../../support/errors.js';
import { formatEnvOutput, type EnvOutputFormat } from './env-output.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import type { ServiceState } from '../../runtimes/runtime.js';
import { runtimeInUse, type SelectedRuntime } from '../../runtimes/select-runtime.js';
import type { ComposeModel } from '../../config/compose/model.js';
import { endpointsOf, type Endpoints } from '../../config/endpoints.js';
import { inMemoryS3, savedObjectsStatus } from './saved-objects.js';
import { probeServices, type MigrationsProbe, type PostgresProbe, type Probes } from './probe.js';

/** The options of `status`, as its declaration (index.ts) validates them. */
export interface StatusOptions {
  output: 'text' | EnvOutputFormat;
  runtime: 'docker' | 'native' | undefined;
}

export interface StatusData {
  state: 'local' | 'external' | 'disabled';
  runtime: 'docker' | 'native' | null;
  ready: boolean;
  services: ServiceState[];
  /** `reachable`: datalayer logged in; else `error` says why and `reason` names it (auth, database-missing, refused, ...). */
  postgres: PostgresProbe;
  /** The same words as `migrate`: `applied` is every migration in the database. */
  migrations: MigrationsProbe | null;
  /** Why the migrations could not be read (no folder) while Postgres could be. */
  migrationsError: string | null;
  bucket: Probes['bucket'];
  /** The copy `down` keeps of an S3 emulator's in-memory objects, how many of them the running one lacks, and the attachments lost. */
  savedObjects: { file: string; saved: number; missing: number; sample: string[]; lost: string[] } | null;
  problems: string[];
  /** Not `text`: the values were printed for another program; nothing else goes to stdout. */
  output: StatusOptions['output'];
}
export type StatusResult = CommandResult<StatusData>;

export async function run(options: StatusOptions, context: Context): Promise<StatusResult> {
  if (options.output !== 'text' && context.reporter.json) {
    // --json promises one document on stdout; the values would be lines beside it.
    throw new UsageError(`-o ${options.output} prints lines for another program; --json prints the report: use one of them.`, {
      hint: 'Run `datalayer status --json` for the report, or `datalayer status -o ' + options.output + '` for the values.',
    });
  }
  const check = await checkHost(context);
  const config = check.config;
  if (config.document === undefined) {
    throw new ConfigError(`${context.host.envFileLabel} does not exist in ${context.host.dir}: there is no data layer to report on.`, {
      hint: 'Run `datalayer init` here, or point at the project with --cwd / --env-file.',
    });
  }
  const endpoints = endpointsOf(config);
  // The runtime's states first (a few milliseconds on the daemon's API): the native runtime rotates
  // its servers' logs when asked, and what the probes below make them log belongs in the new files.
  // Then Postgres, the bucket and whether the S3 keeps its objects only in memory, all at once.
  const stack = check.state === 'local' ? await stackStates(context, config, check.compose, options.runtime) : NO_STACK;
  const memoryAsked = stack.selected ? inMemoryS3(stack.selected.runtime, check.compose, endpoints, context.signal) : Promise.resolve(undefined);
  // Read only for an S3 that keeps objects in memory. A failure to tell is thrown by `memoryAsked`
  // below; the probe, which may not wait for this, just does not read them.
  const attachmentKeys = memoryAsked.then(
    (found) => found !== undefined,
    () => false,
  );
  const [probes, memory] = await Promise.all([check.state === 'disabled' ? undefined : probeServices(config, endpoints, { attachmentKeys }), memoryAsked]);
  const problems = [...stack.problems, ...(probes?.problems ?? [])];
  let savedObjects: StatusData['savedObjects'] = null;
  // The lost attachments are Element rows: without a Postgres to read them there is nothing to count.
  if (memory && probes?.bucket && !probes.bucket.error && probes.postgres.reachable) {
    savedObjects = await savedObjectsStatus(context.host, memory, endpoints.bucket, probes.attachmentKeys);
    if (savedObjects.missing > 0) {
      problems.push(`the running S3 lacks ${savedObjects.missing} of the ${savedObjects.saved} object(s) saved in ${savedObjects.file} (restarted outside datalayer? \`datalayer up\` puts them back)`);
    }
  }
  const data: StatusData = {
    state: check.state,
    runtime: stack.runtime,
    ready: problems.length === 0,
    services: stack.services,
    postgres: probes?.postgres ?? { reachable: false, url: '' },
    migrations: probes?.migrations ?? null,
    migrationsError: probes?.migrationsError ?? null,
    bucket: probes?.bucket ?? null,
    savedObjects,
    problems,
    output: options.output,
  };
  if (options.output !== 'text') context.reporter.raw(formatEnvOutput(hostSideValues(config, endpoints), options.output));
  return { exitCode: data.ready ? ExitCode.ok : ExitCode.notReady, diagnostics: [], data };
}

/** What the runtime in use says about the stack, with what is not ready. */
interface StackStates {
  runtime: StatusData['runtime'];
  selected: SelectedRuntime | undefined;
  services: ServiceState[];
  problems: string[];
}

const NO_STACK: StackStates = { runtime: null, selected: undefined, services: [], problems: [] };

async function stackStates(context: Context, config: HostConfig, compose: ComposeModel | undefined, option: StatusOptions['runtime']): Promise<StackStates> {
  const inUse = await runtimeInUse(context, config, compose, option);
  if (inUse?.selected) {
    const services = await inUse.selected.runtime.services();
    const problems = services
      .filter((service) => service.role && service.state !== 'running')
      .map((service) => `${service.name} is ${service.state}${service.exitCode ? ` (exit code ${service.exitCode})` : ''}`);
    return { runtime: inUse.kind, selected: inUse.selected, services, problems };
  }
  if (inUse?.unavailable) {
    // Docker gone: say so, and still report what can be reached from here.
    const hint = inUse.unavailable.hint ? ` (${inUse.unavailable.hint.replace(/\.$/, '')})` : '';
    return { ...NO_STACK, runtime: inUse.kind, problems: [`the ${inUse.kind} runtime of the last \`up\` cannot be asked: ${messageHeadline(inUse.unavailable.message)}${hint}`] };
  }
  return { ...NO_STACK, problems: ['no services were started by datalayer, or they were stopped (`datalayer up` starts them)'] };
}

/** `-o env|dotenv|github`: host-side values for scripts and for a Chainlit app on this machine, secrets included on purpose. */
function hostSideValues(config: HostConfig, endpoints: Endpoints): Array<[string, string]> {
  const values: Record<string, string | undefined> = {
    DATABASE_URL: endpoints.databaseUrl || undefined,
    DEV_AWS_ENDPOINT: endpoints.s3Endpoint,
    BUCKET_NAME: endpoints.bucket,
    APP_AWS_ACCESS_KEY: endpoints.accessKey,
    APP_AWS_SECRET_KEY: endpoints.secretKey,
    APP_AWS_REGION: config.values.APP_AWS_REGION,
    POSTGRES_PORT: endpoints.postgresPort?.toString(),
    LOCALSTACK_PORT: endpoints.s3Port?.toString(),
  };
  return Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '');
}


function postgresVerdict(postgres: PostgresProbe): string {
  if (postgres.reachable) return `reachable at ${postgres.url}`;
  if (!postgres.error) return `not checked (${postgres.url || 'no DATABASE_URL'})`;
  const what = postgres.reason === 'auth' ? 'login refused' : postgres.reason === 'database-missing' ? 'database missing' : 'not reachable';
  return `${what} at ${postgres.url}: ${postgres.error}`;
}

export function render(result: StatusResult, style: Style): string {
  const { data } = result;
  if (data.output !== 'text') return '';
  if (data.state === 'disabled') return 'Data layer: disabled (persistence is off in .env).';
  const mark = (ok: boolean) => (ok ? style.ok('✔') : style.bad('✖'));
  const lines = [`Data layer: ${data.state}${data.runtime ? ` (${data.runtime})` : ''}`];
  for (const service of data.services) {
    // A service outside the data layer (the fork's data-layer) is not started unless asked for.
    if (!service.role && service.state === 'missing') {
      lines.push(`${style.dim('-')} ${service.name.padEnd(12)} ${style.dim('not started (not needed by the data layer)')}`);
      continue;
    }
    const ports = service.ports.map((p) => `${p.published}→${p.target}`).join(', ');
    const health = service.health ? `, ${service.health}` : '';
    lines.push(`${mark(service.state === 'running')} ${service.name.padEnd(12)} ${service.state}${health}${ports ? `  ${style.dim(ports)}` : ''}`);
  }
  lines.push(`${mark(data.postgres.reachable)} postgres     ${postgresVerdict(data.postgres)}`);
  if (data.migrations) {
    const m = data.migrations;
    const modified = m.modifiedAfterApply.length ? `, ${m.modifiedAfterApply.length} changed after they were applied` : '';
    lines.push(`${mark(m.pending.length === 0 && m.failed.length === 0)} migrations   ${m.applied.length} applied, ${m.pending.length} pending${m.failed.length ? `, ${m.failed.length} failed` : ''}${modified}`);
  } else if (data.migrationsError) {
    lines.push(`${mark(false)} migrations   ${data.migrationsError}`);
  }
  if (data.bucket) {
    // An unreachable S3 says nothing about the bucket: "missing" would send the user the wrong way.
    const verdict = data.bucket.present ? 'present' : data.bucket.error ? 'not checked (S3 not reachable)' : 'missing';
    lines.push(`${mark(data.bucket.present)} bucket       ${data.bucket.name} ${verdict}`);
  }
  if (data.savedObjects) {
    const { saved, missing, file, sample, lost } = data.savedObjects;
    if (saved > 0) lines.push(`${mark(missing === 0)} objects      ${missing === 0 ? `all ${saved} saved in ${file} are in S3` : `${missing} of ${saved} saved in ${file} are missing from S3 (e.g. ${sample.join(', ')})`}`);
    // Not a readiness problem: the stack works, and nothing can bring these back.
    if (lost.length > 0) lines.push(`${mark(false)} attachments  ${lost.length} referenced by Element rows are in neither S3 nor ${file} (lost when the S3 lost its memory; e.g. ${lost.slice(0, 3).join(', ')})`);
  }
  lines.push(data.ready ? style.ok('Ready.') : style.bad(`Not ready: ${data.problems.join('; ')}.`));
  return lines.join('\n');
}
