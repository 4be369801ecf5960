import { RUNTIME_CHOICES } from '../../config/keys.js';
import { defineCommand, flag, option, type ZodMini } from '../definition.js';

/** A comma-separated list of compose service names (none may pass for an option). */
const serviceList = (z: ZodMini) =>
  z
    .pipe(
      z.string(),
      z.transform((list: string) => list.split(',').map((s) => s.trim()).filter(Boolean)),
    )
    .check(z.refine((list: string[]) => !list.some((s) => s.startsWith('-')), 'a service name may not begin with "-"'));

/** `datalayer up`: start Postgres and S3, wait until usable, ensure the bucket, apply migrations. */
export const upCommand = defineCommand({
  name: 'up',
  description: 'start Postgres and S3, wait until usable, ensure the bucket, apply migrations',
  options: {
    runtime: option('--runtime <runtime>', 'where services run', { choices: RUNTIME_CHOICES }),
    timeout: option('--timeout <seconds>', 'give up waiting after this many seconds', {
      default: 120,
      schema: (z) => z.coerce.number({ message: 'expected a number of seconds' }).check(z.positive('must be more than 0'), z.maximum(86_400)),
    }),
    wait: flag('--no-wait', 'start the services and return without waiting'),
    migrate: flag('--no-migrate', 'do not apply pending migrations'),
    services: option('--services <list>', 'only these compose services of the data layer (docker)', { schema: serviceList }),
    with: option('--with <list>', "also these other compose services, after the data layer; if one fails, a warning (docker)", { schema: serviceList }),
    createBucket: flag('--create-bucket', 'external state: create the bucket when it is missing'),
  },
  // --timeout is for the services: time spent waiting for another datalayer comes on top.
  lock: { waitMs: (options) => options.timeout * 1000 },
  examples: [
    'datalayer up                       # the data layer: what plays Postgres and S3, and what they need',
    "datalayer up --with data-layer     # also the compose file's other services (the fork's Prisma Studio)",
    'datalayer up --runtime native --timeout 60',
    'datalayer up --json | jq .data.urls',
  ],
  load: () => import('./run.js'),
});
