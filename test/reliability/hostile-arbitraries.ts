/**
 * fast-check arbitraries for hostile configuration: `.env` files and compose files that mix the
 * seed's valid lines with everything a hand-edited file (or an attacker) can put there.
 */
import fc from 'fast-check';
import { SEED_KEYS } from '../env/fixtures.js';
import { stringify } from 'yaml';
import { SECRET_KEYS } from '../../src/config/keys.js';
import { FORK_LIKE_COMPOSE, seedEnv } from '../helpers/host-fixture.js';

/** Every generated secret holds this marker, so that a leak cannot be confused with a coincidence. */
export const SECRET_MARKER = /zSEC[0-9a-f]{10}/;

const HEX = [...'0123456789abcdef'];

const secretToken = fc.string({ unit: fc.constantFrom(...HEX), minLength: 10, maxLength: 10 }).map((hex) => `zSEC${hex}`);

const KNOWN_KEYS = [
  ...SEED_KEYS,
  'LOCALSTACK_AUTH_TOKEN',
  'PRISMA_STUDIO_PORT',
  'DATALAYER_RUNTIME',
  'APP_GCS_PROJECT_ID',
  'APP_GCS_PRIVATE_KEY',
  'APP_AZURE_STORAGE_ACCOUNT',
  'APP_AZURE_STORAGE_ACCESS_KEY',
];

const SECRET_KEY_SET = new Set<string>(SECRET_KEYS);
/** Names `${...}` may reference: never a secret key, so that a secret only travels where it is written. */
const REFERENCE_NAMES = [...KNOWN_KEYS.filter((key) => !SECRET_KEY_SET.has(key)), 'UNSET_NAME', 'X', 'a_b', 'PATH'];

const HOSTILE_CHARACTERS = [
  ...'abcXYZ019 _-.:/@=',
  '#',
  '$',
  '{',
  '}',
  '?',
  '+',
  '"',
  "'",
  '\\',
  '`',
  '(',
  ')',
  ';',
  '|',
  '&',
  '%',
  '\t',
  '\r',
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  'é',
  'Ж',
  '中',
  '😀',
  '\u2028',
  '\ufeff',
];

const hostileText = (maxLength: number) => fc.string({ unit: fc.constantFrom(...HOSTILE_CHARACTERS), maxLength });

const randomKey = fc.oneof(
  { arbitrary: fc.constantFrom(...KNOWN_KEYS), weight: 6 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'a.b', 'x-y', 'arr[0]', 'ÉTÉ', '中文', 'K', ''), weight: 1 },
  { arbitrary: hostileText(12), weight: 1 },
);

const referenceName = fc.constantFrom(...REFERENCE_NAMES);

/** `${...}` and `$` forms: valid, nested, required, malformed. */
const interpolationForm: fc.Arbitrary<string> = fc.letrec<{ form: string }>((tie) => ({
  form: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('$$', '$', '${', '${}', '${ X }', '${1X}', '${X', '${X:-', '${X:?}', '$$$', '${X:=y}', '${X:?a}b}', '}', '${X:-${Y'),
    referenceName.map((name) => `$${name}`),
    referenceName.map((name) => `\${${name}}`),
    fc
      .tuple(referenceName, fc.constantFrom(':-', '-', ':+', '+', ':?', '?'), fc.oneof(hostileText(6), tie('form')))
      .map(([name, operator, argument]) => `\${${name}${operator}${argument}}`),
  ),
})).form;

const url = fc
  .tuple(
    fc.constantFrom('postgresql', 'postgres', 'mysql', 'http', 'https', ''),
    fc.oneof(fc.constantFrom('root', '${POSTGRES_USER:-root}', 'u%zz', '%', ''), hostileText(6)),
    fc.oneof(secretToken, fc.constantFrom('root', '%zz', '%E0%A4%A', 'p@ss', '${POSTGRES_PASSWORD:-root}', '')),
    fc.constantFrom('postgres', 'localhost', 'localstack', '127.0.0.1', '[::1]', 'db.example.net', '', '${HOST}'),
    fc.oneof(fc.constantFrom('5432', '5433', '4566', '', '0', '99999', '${POSTGRES_PORT:-5432}'), hostileText(4)),
    fc.oneof(fc.constantFrom('postgres', 'db', ''), hostileText(5)),
  )
  .map(([scheme, user, password, host, port, db]) => `${scheme}://${user}:${password}@${host}${port === '' ? '' : `:${port}`}/${db}`);

/** A value as written after `=`: bare, quoted, unterminated, multi-line, commented, huge. */
const rawValue: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hostileText(24), weight: 6 },
  { arbitrary: fc.array(fc.oneof(hostileText(4), interpolationForm), { maxLength: 4 }).map((parts) => parts.join('')), weight: 5 },
  { arbitrary: url, weight: 3 },
  { arbitrary: fc.constantFrom('5432', '0', '65536', '-1', '1e3', ' 80 ', 'my-bucket', 'My_Bucket', '...', 'changeme', '<secret>', 'native', 'docker', 'bogus'), weight: 3 },
  { arbitrary: hostileText(16).map((inner) => `"${inner}"`), weight: 3 },
  { arbitrary: hostileText(16).map((inner) => `'${inner}'`), weight: 3 },
  { arbitrary: hostileText(16).map((inner) => `"${inner}`), weight: 1 },
  { arbitrary: hostileText(16).map((inner) => `'${inner}`), weight: 1 },
  { arbitrary: fc.tuple(hostileText(8), hostileText(8)).map(([a, b]) => `"${a}\n${b}"`), weight: 2 },
  { arbitrary: fc.tuple(hostileText(8), hostileText(8)).map(([a, b]) => `'${a}\n${b}'`), weight: 1 },
  { arbitrary: fc.tuple(hostileText(8), hostileText(8)).map(([a, b]) => `${a} #${b}`), weight: 2 },
  { arbitrary: fc.constantFrom('$(touch /tmp/never)', '`id`', 'a; rm -rf /', 'a\\nb', '\\"', "x'y\"z"), weight: 1 },
  { arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((length) => 'v'.repeat(length)), weight: 1 },
);

/** A secret key's value: always carries a unique token, in the shapes a person writes it. */
const secretValue = fc
  .tuple(secretToken, fc.constantFrom('bare', 'double', 'single', 'comment', 'default', 'tail'), hostileText(4))
  .map(([token, shape, extra]) => {
    switch (shape) {
      case 'double':
        return `"${token}"`;
      case 'single':
        return `'${token}'`;
      case 'comment':
        return `${token} # the ${extra.replace(/[\n\r]/g, '')}`;
      case 'default':
        return `\${UNSET_NAME:-${token}}`;
      case 'tail':
        return `"${token}${extra.replace(/["\\$\n\r]/g, '')}"`;
      default:
        return token;
    }
  });

/** `secretShaped`: a token under a key that is not secret (it must not count as a leak when shown). */
const entryLine = fc
  .tuple(fc.boolean(), randomKey, fc.constantFrom('=', ' = ', ':', '\t=\t'), fc.boolean())
  .chain(([exported, key, separator, secretShaped]) =>
    (SECRET_KEY_SET.has(key) || secretShaped ? secretValue : rawValue).map((value) => `${exported ? 'export ' : ''}${key}${separator}${value}`),
  );

const SEED_LINES = seedEnv({ secret: 'zSEC00000000aa-long-enough-for-the-length-rule' }).split('\n');

const otherLine = fc.oneof(
  { arbitrary: fc.constantFrom(...SEED_LINES), weight: 8 },
  { arbitrary: hostileText(30).map((text) => `# ${text}`), weight: 2 },
  { arbitrary: fc.constantFrom(...SEED_LINES).map((line) => `# ${line}`), weight: 1 },
  { arbitrary: fc.constantFrom('', '   ', '\t', 'export', 'export ', '=value', '==', 'KEY WITH SPACE=1', 'bare_key', ' #', '\r'), weight: 2 },
  { arbitrary: hostileText(30), weight: 2 },
);

/** A compose pointer: mostly the fixture's file, sometimes outside the host, missing, a directory. */
const composePointer = fc
  .constantFrom(
    'extern/chainlit-datalayer/compose.yaml',
    'extern/chainlit-datalayer/compose.yaml',
    'extern/chainlit-datalayer/compose.yaml',
    '../outside-compose.yaml',
    'outside-link.yaml',
    'extern/chainlit-datalayer',
    'extern/missing/compose.yaml',
    '${UNSET_NAME:-extern/chainlit-datalayer/compose.yaml}',
    '"extern/chainlit-datalayer/compose.yaml"',
  )
  .map((value) => `CHAINLIT_DATALAYER_COMPOSE=${value}`);

/** A whole `.env`: mixed lines, LF / CRLF / mixed endings, an optional BOM, an optional final newline. */
export const envFile: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(
      fc.oneof({ arbitrary: entryLine, weight: 5 }, { arbitrary: otherLine, weight: 5 }, { arbitrary: composePointer, weight: 2 }),
      { maxLength: 30 },
    ),
    fc.constantFrom('\n', '\r\n', 'mixed'),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([lines, eol, bom, finalNewline]) => {
    const joined = lines.map((line, index) => line + (eol === 'mixed' ? (index % 2 ? '\r\n' : '\n') : eol)).join('');
    const body = finalNewline ? joined : joined.replace(/\r?\n$/, '');
    return (bom ? '\ufeff' : '') + body;
  });

// ---------------------------------------------------------------------------------------------
// Compose files

const YAML_SNIPPETS = [
  '  ports: {a: 1}',
  '    ports: {published: x, target: [1]}',
  '    ports:\n      - {published: "${POSTGRES_PORT:-5432}", target: 5432}',
  '    ports:\n      - 99999999999999999999999:1',
  '    ports:\n      - "[::1]:${LOCALSTACK_PORT:?}:4566/tcp"',
  '    environment: [1, [2], {a: b}]',
  '    environment: {A: null, B: [1], C: {d: e}}',
  '    volumes: [{source: {a: 1}}, "a", 42, ":"]',
  '    image: [postgres]',
  '    image: ${IMAGE:-${X:-postgres}}',
  '    image: "${"',
  '    image: "${X:?missing image}"',
  'services: [postgres, localstack]',
  'services: 42',
  'services: {}',
  'services: ~',
  'x-base: &base\n  image: postgres:16',
  '  pg2:\n    <<: *base',
  '  pg3: *nothing',
  '  !!binary: x',
  '  ? [a, b]\n  : c',
  '\t tab-indented: value',
  '%YAML 9.9',
  '---',
  '...',
  '  __proto__: {image: postgres}',
  '"unterminated',
  '  key: value: other',
];

/** The fork's compose file with lines deleted, added or replaced. */
const mutatedFork = fc
  .array(
    fc.tuple(fc.constantFrom('delete', 'insert', 'replace'), fc.nat(), fc.oneof(fc.constantFrom(...YAML_SNIPPETS), hostileText(20))),
    { maxLength: 4 },
  )
  .map((mutations) => {
    const lines = FORK_LIKE_COMPOSE.split('\n');
    for (const [kind, position, snippet] of mutations) {
      const index = position % (lines.length + 1);
      if (kind === 'delete') lines.splice(index, 1);
      else if (kind === 'insert') lines.splice(index, 0, snippet);
      else lines.splice(index, 1, snippet);
    }
    return lines.join('\n');
  });

/** Services built from wrong types, serialised by the YAML library (shared objects become anchors). */
const wrongTypes = fc
  .tuple(fc.anything({ maxDepth: 2, maxKeys: 3, stringUnit: 'grapheme-ascii' }), fc.boolean())
  .map(([anything, asList]) => {
    const shared = { image: 'postgres:16', ports: anything };
    const services = asList ? [shared, shared] : { postgres: shared, localstack: { image: 'localstack/localstack:latest', environment: anything }, odd: anything };
    try {
      return stringify({ services, volumes: anything });
    } catch {
      // fc.anything can produce values YAML cannot represent (e.g. symbols): use its text instead.
      return `services:\n  x: ${String(typeof anything)}\n`;
    }
  });

/** The "billion laughs" shape: each level aliases the previous one several times. */
const aliasBomb = fc.tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 9 })).map(([levels, fanOut]) => {
  const lines = ['x-bomb:', '  l0: &l0 [lol, lol]'];
  for (let level = 1; level <= levels; level++) {
    lines.push(`  l${level}: &l${level} [${Array.from({ length: fanOut }, () => `*l${level - 1}`).join(', ')}]`);
  }
  lines.push('services:', '  postgres:', '    image: postgres:16', `    environment: {BOMB: *l${levels}}`);
  return lines.join('\n');
});

export const composeFile: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant(FORK_LIKE_COMPOSE), weight: 3 },
  { arbitrary: mutatedFork, weight: 6 },
  { arbitrary: wrongTypes, weight: 2 },
  { arbitrary: aliasBomb, weight: 1 },
  { arbitrary: fc.array(fc.constantFrom(...YAML_SNIPPETS), { maxLength: 6 }).map((lines) => lines.join('\n')), weight: 2 },
  { arbitrary: hostileText(80), weight: 1 },
);
