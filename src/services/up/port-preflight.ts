import type { ComposeModel } from '../../config/compose/model.js';
import { serviceRole } from '../../config/compose/roles.js';
import type { Context } from '../../context/context.js';
import { RefusedError } from '../../support/errors.js';
import { isPortFree } from '../../support/port-probe.js';
import type { Runtime, ServiceState } from '../../runtimes/runtime.js';

export interface PlannedPort {
  port: number;
  /** The .env key that sets it. */
  variable: string;
  service: string;
}

/** The host ports `up` is about to publish: from the compose file (docker) or POSTGRES_PORT/LOCALSTACK_PORT (native). */
export function plannedPorts(runtime: Runtime, compose: ComposeModel | undefined, native: { postgres: number; s3: number }, services?: string[]): PlannedPort[] {
  if (runtime.kind === 'native') {
    return [
      { port: native.postgres, variable: 'POSTGRES_PORT', service: 'postgres' },
      { port: native.s3, variable: 'LOCALSTACK_PORT', service: 's3' },
    ].filter((p) => !services?.length || services.includes(p.service) || (p.service === 's3' && services.includes('localstack')));
  }
  const planned: PlannedPort[] = [];
  for (const service of compose?.services ?? []) {
    if (services?.length && !services.includes(service.name)) continue;
    for (const port of service.ports) {
      if (port.published === undefined) continue;
      const fallback = serviceRole(service) === 'postgres' ? 'POSTGRES_PORT' : serviceRole(service) === 's3' ? 'LOCALSTACK_PORT' : `the port of ${service.name}`;
      planned.push({ port: port.published, variable: port.variable ?? fallback, service: service.name });
    }
  }
  return planned;
}

/**
 * Refuses (exit 6) before anything starts when a port is held by something other than this
 * project's own services, naming the port, the variable to change and, when Docker can tell,
 * the container that holds it.
 */
export async function assertPortsAvailable(context: Context, planned: PlannedPort[], current: readonly ServiceState[]): Promise<void> {
  if (planned.length === 0) return;
  const ours = new Set<number>();
  for (const service of current) {
    if (service.state === 'running' || service.state === 'restarting' || service.state === 'outdated') for (const port of service.ports) ours.add(port.published);
  }
  for (const entry of planned) {
    if (ours.has(entry.port) || (await isPortFree(entry.port))) continue;
    const holder = await containerHolding(context, entry.port);
    throw new RefusedError(
      `Port ${entry.port} (${entry.variable}, service ${entry.service}) is already in use${holder ? ` by container ${holder}` : ' by another program'}.`,
      {
        hint: holder
          ? `Stop that container (\`docker stop ${holder}\`), or set ${entry.variable} to a free port in .env.`
          : `Stop the program that listens on ${entry.port}, or set ${entry.variable} to a free port in .env.`,
        data: { port: entry.port, variable: entry.variable, service: entry.service, holder: holder ?? null },
      },
    );
  }
}

async function containerHolding(context: Context, port: number): Promise<string | undefined> {
  const { findContainerPublishing } = await import('../../runtimes/docker/port-owner.js');
  // Docker may be absent or stopped: then nobody can name a container, and the plain message stands.
  return findContainerPublishing(context.runner, port, { env: context.env, signal: context.signal }).catch(() => undefined);
}
