/**
 * The seed's `.env` block, as data: its keys in its order, with comments of our own that say what
 * each group is for. `init` writes it whole into a new `.env`, or appends the groups an existing
 * file lacks; `enable` / `disable` switch exactly DATA_LAYER_KEYS.
 */
import { COMPOSE_DEFAULTS, CONTAINER_PORTS, DEFAULT_SUBMODULE_PATH } from './keys.js';
import { formatEnvValue } from './env/edit.js';

/** The data-layer keys of the seed's block, CHAINLIT_DATALAYER_COMPOSE to DEV_AWS_ENDPOINT, in order. */
export const DATA_LAYER_KEYS = [
  'CHAINLIT_DATALAYER_COMPOSE',
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
  'POSTGRES_DB',
  'POSTGRES_PORT',
  'DATABASE_URL',
  'BUCKET_NAME',
  'APP_AWS_ACCESS_KEY',
  'APP_AWS_SECRET_KEY',
  'APP_AWS_REGION',
  'LOCALSTACK_PORT',
  'DEV_AWS_ENDPOINT',
] as const;

export type DataLayerKey = (typeof DATA_LAYER_KEYS)[number];

export const AUTH_SECRET_KEY = 'CHAINLIT_AUTH_SECRET';

/** What only this host knows: the compose file found, the secret generated. */
export interface TemplateValues {
  /**
   * Host-relative path of the compose file. Undefined when there is none yet (no submodule): the
   * data-layer block is then written commented out, as `datalayer disable` leaves it, because its
   * values name a stack that cannot start; `datalayer enable` turns it on once the files are there.
   */
  composeFile: string | undefined;
  /** Where the compose file is expected (written, commented out, when there is none). */
  expectedComposeFile?: string;
  authSecret: string;
}

interface TemplateEntry {
  key: string;
  /** The text after `KEY=`, as it goes into the file. */
  value(values: TemplateValues): string;
  /** Written commented out (`# KEY=...`): for the user to fill in, or not in use on this host. */
  commented?(values: TemplateValues): boolean;
}

export interface TemplateSection {
  comments: string[];
  entries: TemplateEntry[];
}

const fixed = (text: string) => () => text;
/** `${KEY:-default}`: the key's value where Compose interpolates, else the compose file's default. */
const orDefault = (key: keyof typeof COMPOSE_DEFAULTS) => `\${${key}:-${COMPOSE_DEFAULTS[key]}}`;
const always = () => true;
/** No compose file: the block stays off until the submodule's files are there. */
const withoutStack = (values: TemplateValues) => values.composeFile === undefined;

export const ENV_TEMPLATE: readonly TemplateSection[] = [
  {
    comments: [
      '# Chainlit authentication: chat history is only kept for signed-in users, so persistence needs it.',
      '# Any long random string works; `datalayer secret` (or `chainlit create-secret`) prints one.',
    ],
    entries: [{ key: AUTH_SECRET_KEY, value: (values) => formatEnvValue(values.authSecret) }],
  },
  {
    comments: ["# The app's own password login, if it has one (OpenRAG does): choose your own values."],
    entries: [
      { key: 'CHAINLIT_USERNAME', value: fixed(''), commented: always },
      { key: 'CHAINLIT_PASSWORD', value: fixed(''), commented: always },
    ],
  },
  {
    comments: [
      '## Chainlit data persistence',
      '# The compose file of the local stack (PostgreSQL + LocalStack standing in for S3).',
      '# Commenting out this block (`datalayer disable`) turns persistence off.',
    ],
    entries: [
      {
        key: 'CHAINLIT_DATALAYER_COMPOSE',
        value: (values) => formatEnvValue(values.composeFile ?? values.expectedComposeFile ?? `${DEFAULT_SUBMODULE_PATH}/compose.yaml`),
        commented: withoutStack,
      },
    ],
  },
  {
    comments: ['## PostgreSQL: the credentials the container is created with, and the port it is published on.'],
    entries: [
      { key: 'POSTGRES_USER', value: fixed(COMPOSE_DEFAULTS.POSTGRES_USER), commented: withoutStack },
      { key: 'POSTGRES_PASSWORD', value: fixed(COMPOSE_DEFAULTS.POSTGRES_PASSWORD), commented: withoutStack },
      { key: 'POSTGRES_DB', value: fixed(COMPOSE_DEFAULTS.POSTGRES_DB), commented: withoutStack },
      { key: 'POSTGRES_PORT', value: fixed(COMPOSE_DEFAULTS.POSTGRES_PORT), commented: withoutStack },
    ],
  },
  {
    comments: [
      '# Where Chainlit finds the database. `postgres` is the compose service, always on its container',
      '# port 5432 whatever POSTGRES_PORT publishes; an app running on this machine outside compose',
      '# uses localhost and POSTGRES_PORT instead (`datalayer status -o env` prints that form).',
    ],
    entries: [
      {
        key: 'DATABASE_URL',
        value: fixed(
          `postgresql://${orDefault('POSTGRES_USER')}:${orDefault('POSTGRES_PASSWORD')}@postgres:${CONTAINER_PORTS.postgres}/${orDefault('POSTGRES_DB')}`,
        ),
        commented: withoutStack,
      },
    ],
  },
  {
    comments: ['## S3 storage for attachments (LocalStack locally: the keys only need to be non-empty).'],
    entries: [
      { key: 'BUCKET_NAME', value: fixed('my-bucket'), commented: withoutStack },
      { key: 'APP_AWS_ACCESS_KEY', value: fixed('random-key'), commented: withoutStack },
      { key: 'APP_AWS_SECRET_KEY', value: fixed('random-key'), commented: withoutStack },
      { key: 'APP_AWS_REGION', value: fixed('eu-central-1'), commented: withoutStack },
    ],
  },
  {
    comments: [
      "# LocalStack's published port, and the S3 endpoint Chainlit uses (unset it for real AWS S3).",
      '# `localstack` is the compose service, always on its container port 4566 whatever LOCALSTACK_PORT publishes.',
    ],
    entries: [
      { key: 'LOCALSTACK_PORT', value: fixed(COMPOSE_DEFAULTS.LOCALSTACK_PORT), commented: withoutStack },
      { key: 'DEV_AWS_ENDPOINT', value: fixed(`http://localstack:${CONTAINER_PORTS.localstack}`), commented: withoutStack },
    ],
  },
];

/** Every key the template writes, in order. */
export const TEMPLATE_KEYS: readonly string[] = ENV_TEMPLATE.flatMap((section) => section.entries.map((entry) => entry.key));

/**
 * The template's lines for the keys wanted (all by default), with a section's comments only when
 * one of its keys is written, and a blank line between sections.
 */
export function templateLines(values: TemplateValues, wanted: (key: string) => boolean = () => true): string[] {
  const lines: string[] = [];
  for (const section of ENV_TEMPLATE) {
    const entries = section.entries.filter((entry) => wanted(entry.key));
    if (entries.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(...section.comments);
    for (const entry of entries) lines.push(templateLine(entry, values));
  }
  return lines;
}

function templateLine(entry: TemplateEntry, values: TemplateValues): string {
  const line = `${entry.key}=${entry.value(values)}`;
  return entry.commented?.(values) ? `# ${line}` : line;
}

/** A whole new `.env`. */
export function renderEnvTemplate(values: TemplateValues): string {
  return `${templateLines(values).join('\n')}\n`;
}
