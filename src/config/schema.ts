import * as z from '../support/zod.js';

/** Per-variable rules: each key's value on its own. Cross-field rules live in rules/. */

const port = z.pipe(
  z.string().check(z.regex(/^\d+$/, 'must be a whole number')),
  z.transform(Number).check(z.refine((n: number) => n >= 1 && n <= 65535, 'must be between 1 and 65535')),
);

/** A URL check that stops at the first problem (zod runs every refinement otherwise). */
function urlSchema(problemOf: (url: URL) => string | undefined) {
  return z.string().check(
    z.superRefine((value, ctx) => {
      const problem = URL.canParse(value) ? problemOf(new URL(value)) : 'is not a URL';
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
    }),
  );
}

const postgresUrl = urlSchema((url) => {
  if (!/^postgres(ql)?:$/.test(url.protocol)) return 'must start with postgresql:// or postgres://';
  return url.hostname === '' ? 'has no host' : undefined;
});

const httpUrl = urlSchema((url) => (/^https?:$/.test(url.protocol) ? undefined : 'must start with http:// or https://'));

/** S3 bucket naming rules (general purpose buckets). */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'must begin and end with a letter or a digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return 'must not start with xn--, sthree- or amzn-s3-demo-';
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return 'must not end with a reserved AWS suffix';
  return undefined;
}

const bucketName = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = bucketNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
  }),
);

interface FieldRule {
  schema: z.ZodMiniType;
  code: string;
  hint: string;
}

export const FIELD_RULES: Record<string, FieldRule> = {
  POSTGRES_PORT: { schema: port, code: 'ENV_PORT_INVALID', hint: 'Use a free TCP port, e.g. POSTGRES_PORT=5433.' },
  LOCALSTACK_PORT: { schema: port, code: 'ENV_PORT_INVALID', hint: 'Use a free TCP port, e.g. LOCALSTACK_PORT=4567.' },
  PRISMA_STUDIO_PORT: { schema: port, code: 'ENV_PORT_INVALID', hint: 'Use a free TCP port, e.g. PRISMA_STUDIO_PORT=5556.' },
  DATABASE_URL: {
    schema: postgresUrl,
    code: 'ENV_DATABASE_URL_INVALID',
    hint: 'Write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode special characters).',
  },
  DEV_AWS_ENDPOINT: {
    schema: httpUrl,
    code: 'ENV_ENDPOINT_INVALID',
    hint: 'Write it as http://localhost:4566 (host side) or http://localstack:4566 (inside compose).',
  },
  BUCKET_NAME: {
    schema: bucketName,
    code: 'ENV_BUCKET_NAME_INVALID',
    hint: 'Use lowercase letters, digits and hyphens, 3-63 characters, e.g. BUCKET_NAME=chainlit-files.',
  },
};

/** Validates one value; returns the problem in words, or undefined when the value is fine. */
export function fieldProblem(key: string, value: string): string | undefined {
  const rule = FIELD_RULES[key];
  if (!rule) return undefined;
  const parsed = rule.schema.safeParse(value);
  return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? 'is invalid');
}

/** A valid port number, or undefined. */
export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = port.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
