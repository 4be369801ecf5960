import { printWarnings, requireValidConfig } from '../../config/require-valid-config.js';
import { migrationsDirectory } from '../../config/rules/migrations.js';
import type { Context } from '../../context/context.js';
import { ConfigError, ExitCode, UsageError } from '../../support/errors.js';
import type { HostConfig } from '../../config/host-config.js';
import { fieldProblem } from '../../config/schema.js';
import { displayPath } from '../../context/host-project.js';
import { maskUrlPassword } from '../../report/redactor.js';
import type { CommandResult } from '../../report/reporter.js';
import type { Style } from '../../report/style.js';
import { endpointsOf } from '../../config/endpoints.js';
import { applyMigrations, modifiedWarning } from '../../services/up/provision.js';

/** The options of `migrate`, as its declaration (index.ts) validates them. */
export interface MigrateOptions {
  status: boolean;
  databaseUrl: string | undefined;
}

export interface MigrateData {
  database: string;
  /** Where that address comes from: `--database-url`, the shell environment, or the env file's line. */
  databaseFrom: string;
  migrationsDir: string;
  applied: string[];
  pending: string[];
  failed: Array<{ name: string; logs: string | null }>;
  appliedNow: string[];
  databaseOnly: string[];
  /** Applied, but their migration.sql changed since: the database keeps the version it ran. */
  modifiedAfterApply: string[];
}
export type MigrateResult = CommandResult<MigrateData>;

export async function run(options: MigrateOptions, context: Context): Promise<MigrateResult> {
  if (options.databaseUrl) {
    context.reporter.redactor.addConnectionString(options.databaseUrl);
    const problem = fieldProblem('DATABASE_URL', options.databaseUrl);
    if (problem) throw new UsageError(`--database-url ${problem}.`, { hint: 'Write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters).' });
  }
  // An explicit --database-url wins over DATABASE_URL, wherever that is set: its findings do not apply.
  const check = await requireValidConfig(context, { printWarnings: false, ...(options.databaseUrl ? { ignoreKeys: ['DATABASE_URL'] } : {}) });
  // Only the database is touched here: warnings about the S3 side and the LocalStack image do not apply.
  printWarnings(context, check.diagnostics, ['COMPOSE_LOCALSTACK_LATEST', 'BUCKET_NOT_CREATED_BY_STACK', 'ENV_S3_NOT_CONFIGURED']);
  const url = options.databaseUrl ?? endpointsOf(check.config).databaseUrl;
  if (!url) {
    throw new ConfigError('No database to migrate: DATABASE_URL is not set.', { hint: 'Set DATABASE_URL in .env, or pass --database-url.' });
  }
  const migrationsDir = migrationsDirectory(check.config);
  const { readMigrationStatus } = await import('../../services/migrations/apply.js');
  let appliedNow: string[] = [];
  if (!options.status) {
    appliedNow = (await applyMigrations(context, url, migrationsDir)).appliedNow;
  }
  const status = await readMigrationStatus({ url, migrationsDir });
  // `migrate` warned while applying; --status says the same.
  if (options.status) for (const name of status.modifiedAfterApply) context.reporter.warn(modifiedWarning(name));
  const failed = status.failed.map((f) => ({ name: f.name, logs: f.logs ?? null }));
  return {
    exitCode: failed.length > 0 ? ExitCode.config : ExitCode.ok,
    diagnostics: [],
    data: {
      database: maskUrlPassword(url),
      databaseFrom: databaseSource(options, check.config),
      migrationsDir: displayPath(context.host.dir, migrationsDir),
      applied: status.applied,
      pending: status.pending,
      failed,
      appliedNow,
      databaseOnly: status.databaseOnly,
      modifiedAfterApply: status.modifiedAfterApply,
    },
  };
}

function databaseSource(options: MigrateOptions, config: HostConfig): string {
  if (options.databaseUrl) return '--database-url';
  const entry = config.resolved.entries.get('DATABASE_URL');
  if (entry?.fromShell) return 'DATABASE_URL of the shell environment';
  const where = entry ? `${config.host.envFileLabel}:${entry.line}` : config.host.envFileLabel;
  return config.state === 'local' ? `the host side of ${where}` : where;
}

export function render(result: MigrateResult, style: Style): string {
  const { data } = result;
  const lines = [`Database:   ${data.database}  ${style.dim(`(${data.databaseFrom})`)}`, `Migrations: ${data.migrationsDir}`];
  for (const name of data.applied) lines.push(`  ${style.ok('✔')} ${name}${data.appliedNow.includes(name) ? style.dim('  (applied now)') : ''}`);
  for (const name of data.pending) lines.push(`  ${style.warn('…')} ${name}  ${style.dim('pending')}`);
  for (const failed of data.failed) lines.push(`  ${style.bad('✖')} ${failed.name}  failed${failed.logs ? `: ${failed.logs.split('\n')[0]}` : ''}`);
  for (const name of data.modifiedAfterApply) lines.push(`  ${style.warn('!')} ${name}  ${style.dim('changed after it was applied')}`);
  for (const name of data.databaseOnly) lines.push(`  ${style.dim(`? ${name}  (only in the database)`)}`);
  if (data.failed.length > 0) lines.push(style.bad('A failed migration blocks the others: fix it, then mark it rolled back (`npx prisma migrate resolve --rolled-back <name>`).'));
  else if (data.pending.length > 0) lines.push('Run `datalayer migrate` to apply the pending migrations.');
  else lines.push(style.ok('Schema up to date.'));
  return lines.join('\n');
}
