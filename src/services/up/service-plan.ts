import type { ComposeModel } from '../../config/compose/model.js';
import { dataLayerServices } from '../../config/compose/roles.js';
import type { Context } from '../../context/context.js';
import type { Runtime, ServiceState } from '../../runtimes/runtime.js';
import { isDatalayerError, UsageError } from '../../support/errors.js';

/**
 * Which compose services `up` starts. The data layer first (the Postgres and S3 roles and what
 * they depend on), waited for and provisioned; services asked for besides it last, so that they
 * can never fail it (the fork's data-layer service builds an image only to run Prisma, which
 * datalayer does itself); everything else is left out and named.
 */
export interface ServicePlan {
  /** The data layer's services; undefined: every service of the file (none plays a role). */
  core: string[] | undefined;
  extras: string[];
  leftOut: string[];
}

export interface ExtraOutcome {
  name: string;
  started: boolean;
  /** Why it did not start (Compose's own explanation). */
  error?: string;
}

export function planServices(compose: ComposeModel | undefined, asked: { services?: string[]; with?: string[] }): ServicePlan {
  if (!compose) return { core: asked.services, extras: [], leftOut: [] };
  const declared = compose.services.map((service) => service.name);
  for (const name of [...(asked.services ?? []), ...(asked.with ?? [])]) {
    if (!declared.includes(name)) {
      throw new UsageError(`There is no service "${name}" in ${compose.file}.`, { hint: `Its services are: ${declared.join(', ')}.` });
    }
  }
  const dataLayer = dataLayerServices(compose) ?? declared;
  // The data layer is what datalayer is for: when only extras are named, it still comes first.
  const named = asked.services?.filter((name) => dataLayer.includes(name)) ?? [];
  const core = named.length > 0 ? named : dataLayer;
  const wanted = new Set([...(asked.services ?? []), ...(asked.with ?? [])]);
  const extras = declared.filter((name) => wanted.has(name) && !core.includes(name));
  const leftOut = declared.filter((name) => !core.includes(name) && !extras.includes(name));
  return { core, extras, leftOut };
}

/** Starts each extra service on its own; a failure is a warning, never the command's failure. */
export async function startExtraServices(context: Context, runtime: Runtime, extras: string[], current: ServiceState[]): Promise<ExtraOutcome[]> {
  const outcomes: ExtraOutcome[] = [];
  for (const name of extras) {
    if (current.some((service) => service.name === name && service.state === 'running')) {
      outcomes.push({ name, started: true });
      continue;
    }
    const progress = context.reporter.progress(`Starting ${name}`);
    try {
      await runtime.start({ services: [name], signal: context.signal });
      progress.done(`${name} started`);
      outcomes.push({ name, started: true });
    } catch (error) {
      // Ctrl-C and the like end the command as usual; only the service's own failure is tolerated.
      if (!isDatalayerError(error) || context.signal.aborted) throw error;
      progress.fail(`${name} did not start`);
      const reason = error.message.split('\n').map((line) => line.trim()).filter(Boolean).slice(-1)[0] ?? error.message;
      context.reporter.warn(`${name} could not be started (the data layer is not affected): ${reason}`);
      outcomes.push({ name, started: false, error: error.message });
    }
  }
  return outcomes;
}
