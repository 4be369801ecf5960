import type { ComposeModel, ComposeService } from './model.js';

/** The two roles datalayer cares about; compose services are mapped onto them by name/image. */
export type ServiceRole = 'postgres' | 's3';

/** Which compose service plays Postgres and which plays S3, by image first, then by name. */
export function serviceRole(service: ComposeService): ServiceRole | undefined {
  const image = (service.image ?? '').toLowerCase();
  const name = service.name.toLowerCase();
  if (/(^|\/)postgres(ql)?(:|$)/.test(image) || /(^|\/)(postgis|pgvector)\//.test(image) || name === 'postgres') {
    return 'postgres';
  }
  if (/(^|\/)localstack(:|$)/.test(image) || /(^|\/)minio(:|$)/.test(image) || name === 'localstack' || name === 's3') {
    return 's3';
  }
  return undefined;
}

export function serviceWithRole(model: ComposeModel, role: ServiceRole): ComposeService | undefined {
  return model.services.find((service) => serviceRole(service) === role);
}

/**
 * The services the data layer needs: those playing Postgres or S3 and what they depend on, in
 * file order. Undefined when no service plays either role (then every service is the data layer).
 */
export function dataLayerServices(model: ComposeModel): string[] | undefined {
  const byName = new Map(model.services.map((service) => [service.name, service]));
  const needed = new Set<string>();
  const visit = (name: string): void => {
    if (needed.has(name) || !byName.has(name)) return;
    needed.add(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) visit(dependency);
  };
  for (const service of model.services) if (serviceRole(service) !== undefined) visit(service.name);
  if (needed.size === 0) return undefined;
  return model.services.map((service) => service.name).filter((name) => needed.has(name));
}
