import { checkHost } from '../../config/check-host.js';
import type { HostConfig } from '../../config/host-config.js';
import { migrationsDirectory } from '../../config/rules/migrations.js';
import type { Context } from '../../context/context.js';
import { ConfigError, ExitCode, isDatalayerError } from '../../support/errors.js';
import { maskUrlPassword } from '../../report/redactor.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import type { ServiceState } from '../../runtimes/runtime.js';
import { runtimeInUse } from '../../runtimes/select-runtime.js';
import { bucketTargetOf, endpointsOf, type Endpoints } from '../../config/endpoints.js';

/** The options of `status`, as its declaration (index.ts) validates them. */
export interface StatusOptions {
  output: 'text' | 'env';
  runtime: 'docker' | 'native' | undefined;
}

export interface StatusData {
  state: 'local' | 'external' | 'disabled';
  runtime: 'docker' | 'native' | null;
  ready: boolean;
  services: ServiceState[];
  postgres: { reachable: boolean; url: string; error?: string };
  /** The same words as `migrate`: `applied` is every migration in the database. */
  migrations: { applied: string[]; pending: string[]; failed: Array<{ name: string; logs: string | null }> } | null;
  bucket: { name: string; present: boolean; error?: string } | null;
  problems: string[];
  /** `env`: the KEY=value lines were printed for scripts; nothing else goes to stdout. */
  output: 'text' | 'env';
}
export type StatusResult = CommandResult<StatusData>;

export async function run(options: StatusOptions, context: Context): Promise<StatusResult> {
  const check = await checkHost(context);
  const config = check.config;
  if (config.document === undefined) {
    throw new ConfigError(`${context.host.envFileLabel} does not exist in ${context.host.dir}: there is no data layer to report on.`, {
      hint: 'Run `datalayer init` here, or point at the project with --cwd / --env-file.',
    });
  }
  const endpoints = endpointsOf(config);
  const problems: string[] = [];
  let services: ServiceState[] = [];
  let runtimeKind: StatusData['runtime'] = null;
  if (check.state === 'local') {
    const inUse = await runtimeInUse(context, config, check.compose, options.runtime);
    if (inUse?.selected) {
      runtimeKind = inUse.kind;
      services = await inUse.selected.runtime.services();
      for (const service of services) {
        if (service.role && service.state !== 'running') problems.push(`${service.name} is ${service.state}${service.exitCode ? ` (exit code ${service.exitCode})` : ''}`);
      }
    } else if (inUse?.unavailable) {
      // Docker gone: say so, and still report what can be reached from here.
      runtimeKind = inUse.kind;
      const hint = inUse.unavailable.hint ? ` (${inUse.unavailable.hint.replace(/\.$/, '')})` : '';
      problems.push(`the ${inUse.kind} runtime of the last \`up\` cannot be asked: ${inUse.unavailable.message.split('\n')[0]?.replace(/\.$/, '')}${hint}`);
    } else {
      problems.push('no services were started by datalayer, or they were stopped (`datalayer up` starts them)');
    }
  }
  const probes = check.state === 'disabled' ? undefined : await probeServices(config, endpoints, problems);
  const data: StatusData = {
    state: check.state,
    runtime: runtimeKind,
    ready: problems.length === 0,
    services,
    postgres: probes?.postgres ?? { reachable: false, url: '' },
    migrations: probes?.migrations ?? null,
    bucket: probes?.bucket ?? null,
    problems,
    output: options.output,
  };
  if (options.output === 'env') context.reporter.raw(envLines(config, endpoints));
  return { exitCode: data.ready ? ExitCode.ok : ExitCode.notReady, diagnostics: [], data };
}

async function probeServices(config: HostConfig, endpoints: Endpoints, problems: string[]) {
  const url = maskUrlPassword(endpoints.databaseUrl);
  const postgres: StatusData['postgres'] = { reachable: false, url };
  let migrations: StatusData['migrations'] = null;
  try {
    const { readMigrationStatus } = await import('../../services/migrations/apply.js');
    const status = await readMigrationStatus({ url: endpoints.databaseUrl, migrationsDir: migrationsDirectory(config), connectTimeoutMs: 1_500 });
    postgres.reachable = true;
    migrations = { applied: status.applied, pending: status.pending, failed: status.failed.map((f) => ({ name: f.name, logs: f.logs ?? null })) };
    if (status.pending.length > 0) problems.push(`${status.pending.length} migration(s) pending (\`datalayer migrate\`)`);
    if (status.failed.length > 0) problems.push(`failed migration(s): ${status.failed.map((f) => f.name).join(', ')}`);
  } catch (error) {
    const message = messageOf(error);
    if (/reach|connect|refused|timeout|ECONN/i.test(message) || !postgres.reachable) {
      postgres.error = message;
      problems.push(`Postgres is not reachable at ${url}`);
    }
  }
  let bucket: StatusData['bucket'] = null;
  const target = bucketTargetOf(endpoints);
  if (target) {
    bucket = { name: target.bucket, present: false };
    try {
      const { S3Client } = await import('../../services/s3/client.js');
      const client = new S3Client(target.settings, { requestTimeoutMs: 1_500 });
      bucket.present = await client.bucketExists(target.bucket);
      if (!bucket.present) problems.push(`bucket ${target.bucket} is missing (\`datalayer up\` creates it)`);
    } catch (error) {
      bucket.error = messageOf(error);
      problems.push(`S3 is not reachable at ${endpoints.s3Endpoint ?? 'AWS'}`);
    }
  }
  return { postgres, migrations, bucket };
}

/** `-o env`: host-side values for scripts and for a Chainlit app on this machine, secrets included on purpose. */
function envLines(config: HostConfig, endpoints: Endpoints): string {
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
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${shellQuote(value)}\n`)
    .join('');
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function messageOf(error: unknown): string {
  return isDatalayerError(error) || error instanceof Error ? error.message : String(error);
}

export function render(result: StatusResult, style: Style): string {
  const { data } = result;
  if (data.output === 'env') return '';
  if (data.state === 'disabled') return 'Data layer: disabled (persistence is off in .env).';
  const mark = (ok: boolean) => (ok ? style.ok('✔') : style.bad('✖'));
  const lines = [`Data layer: ${data.state}${data.runtime ? ` (${data.runtime})` : ''}`];
  for (const service of data.services) {
    const ports = service.ports.map((p) => `${p.published}→${p.target}`).join(', ');
    const health = service.health ? `, ${service.health}` : '';
    lines.push(`${mark(service.state === 'running')} ${service.name.padEnd(12)} ${service.state}${health}${ports ? `  ${style.dim(ports)}` : ''}`);
  }
  lines.push(`${mark(data.postgres.reachable)} postgres     ${data.postgres.reachable ? 'reachable' : 'not reachable'} at ${data.postgres.url}`);
  if (data.migrations) {
    const m = data.migrations;
    lines.push(`${mark(m.pending.length === 0 && m.failed.length === 0)} migrations   ${m.applied.length} applied, ${m.pending.length} pending${m.failed.length ? `, ${m.failed.length} failed` : ''}`);
  }
  if (data.bucket) {
    // An unreachable S3 says nothing about the bucket: "missing" would send the user the wrong way.
    const verdict = data.bucket.present ? 'present' : data.bucket.error ? 'not checked (S3 not reachable)' : 'missing';
    lines.push(`${mark(data.bucket.present)} bucket       ${data.bucket.name} ${verdict}`);
  }
  lines.push(data.ready ? style.ok('Ready.') : style.bad(`Not ready: ${data.problems.join('; ')}.`));
  return lines.join('\n');
}
