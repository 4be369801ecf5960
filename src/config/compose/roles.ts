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
