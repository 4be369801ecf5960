/**
 * `.env` files as people really write them, each line tagged with what the editing commands may
 * do to it. Expectations are derived from the tags, never from the code under test.
 */
import { DATA_LAYER_KEYS } from '../../src/config/env-template.js';

/**
 * - `dl`: part of a data-layer definition (`disable` comments it out, continuation lines included);
 * - `secret`: the CHAINLIT_AUTH_SECRET definition that counts (`secret --write` replaces `value`);
 * - `placeholder`: like `secret`, and `init` replaces it too (empty or `...`).
 */
export type LineTag = 'dl' | 'secret' | 'placeholder';

export interface ShapeLine {
  text: string;
  tag?: LineTag;
  /** For `secret` / `placeholder`: the value as written (quotes included) that gets replaced. */
  value?: string;
  /** `enable` on the original file turns this comment into this text. */
  enabled?: string;
}

export interface EnvShape {
  name: string;
  lines: ShapeLine[];
  eol?: '\n' | '\r\n' | 'mixed';
  bom?: boolean;
  /** Defaults to true. */
  finalNewline?: boolean;
}

const SECRET = 'kept-secret-0123456789abcdefghijklmnopqrstuvwxyz';

const dl = (text: string): ShapeLine => ({ text, tag: 'dl' });
const plain = (text: string): ShapeLine => ({ text });
const secret = (text: string, value: string): ShapeLine => ({ text, tag: 'secret', value });
const placeholder = (text: string, value: string): ShapeLine => ({ text, tag: 'placeholder', value });

/** The seed's block, line by line. */
function seedLines(secretLine: ShapeLine = placeholder("CHAINLIT_AUTH_SECRET=... # has to be generated with with this command: 'uv run chainlit create-secret' but a random value works too.", '...')): ShapeLine[] {
  return [
    plain("# Chainlit UI authentication (Necessary for data persistency). Don't add it if it's already included"),
    secretLine,
    plain('CHAINLIT_USERNAME=OpenRAG'),
    plain('CHAINLIT_PASSWORD=OpenRAG2025'),
    plain(''),
    plain('## Chainlit data persistency'),
    plain('# Persistency services (localstack + AWS (Deployed Locally))'),
    dl('CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml'),
    plain(''),
    plain('## To link to the PostgreSQL instance.'),
    dl('POSTGRES_USER=root'),
    dl('POSTGRES_PASSWORD=root'),
    dl('POSTGRES_DB=postgres'),
    dl('POSTGRES_PORT=5432'),
    plain(''),
    dl('DATABASE_URL=postgresql://${POSTGRES_USER:-root}:${POSTGRES_PASSWORD:-root}@postgres:${POSTGRES_PORT:-5432}/${POSTGRES_DB:-postgres} # for chainlit'),
    plain(''),
    plain('## S3 configuration.'),
    dl('BUCKET_NAME=my-bucket'),
    dl('APP_AWS_ACCESS_KEY=random-key'),
    dl('APP_AWS_SECRET_KEY=random-key'),
    dl('APP_AWS_REGION=eu-central-1'),
    plain(''),
    dl('LOCALSTACK_PORT=4566'),
    dl('DEV_AWS_ENDPOINT=http://localstack:${LOCALSTACK_PORT:-4566}'),
  ];
}

const realSecret = secret(`CHAINLIT_AUTH_SECRET=${SECRET}`, SECRET);

export const ENV_SHAPES: EnvShape[] = [
  { name: 'the seed block (placeholder secret)', lines: seedLines() },
  { name: 'the seed block with CRLF endings', lines: seedLines(), eol: '\r\n' },
  { name: 'a byte order mark and CRLF', lines: seedLines(), eol: '\r\n', bom: true },
  { name: 'a byte order mark and LF, real secret first', lines: [realSecret, ...seedLines().slice(2)], bom: true },
  { name: 'no final newline after a data-layer key', lines: seedLines(realSecret), finalNewline: false },
  { name: 'no final newline, CRLF, unrelated last line', lines: [realSecret, dl('POSTGRES_PORT=5433'), plain('LAST=no newline')], eol: '\r\n', finalNewline: false },
  {
    name: '`export` prefixes',
    lines: [secret(`export CHAINLIT_AUTH_SECRET="${SECRET}"`, `"${SECRET}"`), dl('export POSTGRES_USER=root'), dl('export   DATABASE_URL=postgresql://root:root@postgres:5432/postgres'), plain('export OPENAI_API_KEY=sk-test')],
  },
  {
    name: 'single-quoted values',
    lines: [secret(`CHAINLIT_AUTH_SECRET='${SECRET}'`, `'${SECRET}'`), dl("POSTGRES_PASSWORD='p#ss word $NOT_A_VAR'"), plain("GREETING='hello  world'")],
  },
  {
    name: 'double-quoted values with escapes',
    lines: [realSecret, dl('DATABASE_URL="postgresql://root:root@postgres:5432/postgres"'), plain('QUOTED="a \\"b\\" \\$c \\\\ d"'), dl('BUCKET_NAME="my-bucket"')],
  },
  {
    name: 'a multi-line double-quoted value of another key',
    lines: [plain('CERT="-----BEGIN KEY-----'), plain('MIIBOgIBAAJBAK # not a comment'), plain('POSTGRES_PORT=1 is text here'), plain('-----END KEY-----"'), realSecret, dl('POSTGRES_PORT=5432')],
  },
  {
    name: 'a multi-line double-quoted data-layer value',
    lines: [realSecret, dl('BUCKET_NAME="my-'), dl('bucket"'), plain('AFTER=1')],
  },
  {
    name: 'a multi-line single-quoted data-layer value',
    lines: [realSecret, dl("POSTGRES_PASSWORD='line one"), dl("line two'"), plain('AFTER=1')],
  },
  {
    name: 'comments after values',
    lines: [secret(`CHAINLIT_AUTH_SECRET=${SECRET}   # keep this`, SECRET), dl('POSTGRES_PORT=5433   # 5432 is taken by another app'), plain('HASH=abc#def'), dl('BUCKET_NAME=my-bucket\t# tab before the hash')],
  },
  {
    name: 'duplicate keys (the last one counts)',
    lines: [plain('CHAINLIT_AUTH_SECRET=first-value-that-is-ignored'), dl('POSTGRES_PORT=5432'), dl('POSTGRES_PORT=5433'), realSecret, plain('OTHER=1')],
  },
  {
    name: 'older values kept in comments after the active lines',
    lines: [
      realSecret,
      dl('CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml'),
      dl('POSTGRES_DB=postgres'),
      plain('# POSTGRES_DB=chainlit_old'),
      dl('POSTGRES_PASSWORD=current-password'),
      plain('#POSTGRES_PASSWORD=old-password'),
      plain('# export DATABASE_URL=postgresql://old:old@postgres:5432/old'),
      dl('DATABASE_URL=postgresql://root:current-password@postgres:5432/postgres'),
    ],
  },
  {
    name: 'older values kept in comments before the active lines',
    lines: [realSecret, plain('# POSTGRES_PORT=5433'), dl('POSTGRES_PORT=5432'), plain('#  BUCKET_NAME: old-bucket'), dl('BUCKET_NAME: my-bucket')],
  },
  {
    name: 'bare data-layer names filled from the shell',
    lines: [realSecret, dl('POSTGRES_USER'), dl('export POSTGRES_PASSWORD'), dl('POSTGRES_DB=postgres'), plain('# POSTGRES_USER')],
  },
  {
    name: 'a line that looks like what disable writes, inside a quoted value',
    lines: [realSecret, plain('NOTE="first line'), plain('#[disabled by datalayer] POSTGRES_DB=quoted"'), dl('POSTGRES_DB=postgres')],
  },
  {
    name: 'blank and whitespace-only lines',
    lines: [plain(''), plain('   '), realSecret, plain('\t'), plain(''), dl('POSTGRES_DB=postgres'), plain(''), plain('')],
  },
  {
    name: 'tabs around keys and separators',
    lines: [realSecret, dl('\tPOSTGRES_DB=db'), dl('POSTGRES_USER\t=\troot'), plain('\tINDENTED=1')],
  },
  {
    name: 'unicode values and comments',
    lines: [plain('# Настройки приложения — 設定 😀'), realSecret, plain('APP_TITLE=Ünïcødé 中文 😀'), dl('BUCKET_NAME=my-bucket # ведро'), plain('EMOJI="🚀 launch"')],
  },
  {
    name: '`KEY: value` lines',
    lines: [realSecret, dl('POSTGRES_USER: root'), plain('OTHER: value')],
  },
  {
    name: 'data-layer keys already commented out (a disabled file)',
    lines: [
      realSecret,
      { text: '# CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml', enabled: 'CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml' },
      { text: '#POSTGRES_PORT=5433', enabled: 'POSTGRES_PORT=5433' },
      plain('# a note, not a key'),
      dl('BUCKET_NAME=my-bucket'),
    ],
  },
  { name: 'mixed LF and CRLF endings', lines: seedLines(realSecret), eol: 'mixed' },
  {
    name: 'lines Compose would refuse',
    lines: [realSecret, plain('not a setting!'), dl('POSTGRES_DB=postgres'), plain('UNTERMINATED="never closed'), plain('=no key')],
  },
  { name: 'an empty secret', lines: [placeholder('CHAINLIT_AUTH_SECRET=', ''), dl('POSTGRES_USER=root')] },
  { name: 'no secret at all', lines: [dl('POSTGRES_USER=root'), plain('OTHER=1')] },
  { name: 'no data-layer key at all', lines: [realSecret, plain('OPENAI_API_KEY=sk-test'), plain('# comment')] },
  {
    name: 'a double-quoted secret with a comment, and a bare inherited key',
    lines: [secret(`CHAINLIT_AUTH_SECRET="${SECRET}" # rotated yearly`, `"${SECRET}"`), plain('HOME'), dl('POSTGRES_DB=postgres   ')],
  },
  {
    name: 'control characters in comments and values',
    lines: [plain('# bell \u0007 escape \u001b nul \u0000'), realSecret, plain('RAW=a\u0001b'), dl('POSTGRES_DB=postgres')],
  },
];

function eolAt(shape: EnvShape, index: number): string {
  if (shape.eol === 'mixed') return index % 2 === 0 ? '\r\n' : '\n';
  return shape.eol ?? '\n';
}

/** The physical lines of the file, each with its line ending (the last may have none). */
export function shapeLines(shape: EnvShape): string[] {
  const last = shape.lines.length - 1;
  return shape.lines.map((line, index) => {
    const ending = index === last && shape.finalNewline === false ? '' : eolAt(shape, index);
    return (index === 0 && shape.bom ? '\ufeff' : '') + line.text + ending;
  });
}

export function shapeText(shape: EnvShape): string {
  return shapeLines(shape).join('');
}

/** Splits a file into physical lines, keeping each line's ending (so CRLF differences show). */
export function physicalLines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((line) => line !== '');
}

export function fileEol(shape: EnvShape): '\n' | '\r\n' {
  return eolAt(shape, 0) === '\r\n' ? '\r\n' : '\n';
}

const definition = (key: string) => new RegExp(`^[ \\t]*(export[ \\t]+)?${key}[ \\t]*([=:]|$)`);
const commentedDefinition = (key: string) => new RegExp(`^[ \\t]*#[ \\t]*(export[ \\t]+)?${key}[ \\t]*=`);

/** Keys `init` must append: data-layer keys neither defined nor commented out, and a missing secret. */
export function keysInitAppends(shape: EnvShape): string[] {
  const texts = shape.lines.map((line) => line.text);
  const defined = (key: string) => texts.some((text) => definition(key).test(text));
  const commented = (key: string) => texts.some((text) => commentedDefinition(key).test(text));
  const missing: string[] = DATA_LAYER_KEYS.filter((key) => !defined(key) && !commented(key));
  const secretDefined = shape.lines.some((line) => line.tag === 'secret' || line.tag === 'placeholder') || texts.includes('CHAINLIT_AUTH_SECRET');
  return secretDefined ? missing : ['CHAINLIT_AUTH_SECRET', ...missing];
}

export const SHAPE_SECRET = SECRET;
