/** Service states LocalStack reports in /_localstack/health. */
export type LocalstackServiceState =
  | 'unknown'
  | 'available'
  | 'disabled'
  | 'starting'
  | 'running'
  | 'stopping'
  | 'stopped'
  | 'error';

export interface LocalstackHealth {
  /** State of the S3 service; undefined when the body does not mention it. */
  s3?: string;
  version?: string;
  edition?: string;
}

/** Reads the body of GET /_localstack/health; anything unexpected yields an empty report. */
export function parseLocalstackHealth(body: unknown): LocalstackHealth {
  const record = asRecord(body);
  const services = asRecord(record?.services);
  const health: LocalstackHealth = {};
  if (typeof services?.s3 === 'string') health.s3 = services.s3;
  if (typeof record?.version === 'string') health.version = record.version;
  if (typeof record?.edition === 'string') health.edition = record.edition;
  return health;
}

/** S3 can take requests once LocalStack calls it available (loaded on first use) or running. */
export function s3IsUp(health: LocalstackHealth): boolean {
  return health.s3 === 'available' || health.s3 === 'running';
}

export interface LocalstackInitScript {
  stage: string;
  name: string;
  state: string;
}

export interface LocalstackInit {
  completed: boolean;
  scripts: LocalstackInitScript[];
}

/** Reads the body of GET /_localstack/init/ready. */
export function parseLocalstackInit(body: unknown): LocalstackInit {
  const record = asRecord(body);
  const scripts = Array.isArray(record?.scripts) ? record.scripts : [];
  return {
    completed: record?.completed === true,
    scripts: scripts.map(asRecord).flatMap((script) =>
      script
        ? [
            {
              stage: typeof script.stage === 'string' ? script.stage : '',
              name: typeof script.name === 'string' ? script.name : '',
              state: typeof script.state === 'string' ? script.state : '',
            },
          ]
        : [],
    ),
  };
}

/** Names of the init scripts that LocalStack reports as failed. */
export function failedInitScripts(init: LocalstackInit): string[] {
  return init.scripts.filter((script) => script.state.toUpperCase() === 'ERROR').map((script) => script.name);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
