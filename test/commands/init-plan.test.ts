import { describe, expect, it } from 'vitest';
import { SEED_KEYS } from '../env/fixtures.js';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { DATA_LAYER_KEYS, renderEnvTemplate, TEMPLATE_KEYS } from '../../src/config/env-template.js';
import { planGitignore } from '../../src/commands/init/gitignore.js';
import { isMissingSecret, planEnvFile } from '../../src/commands/init/plan-env.js';

const SECRET = 'S'.repeat(64);
const plan = (existing: string | undefined, options: { example?: string; composeFile?: string | undefined } = {}) =>
  planEnvFile({
    existing,
    example: options.example,
    composeFile: 'composeFile' in options ? options.composeFile : 'extern/chainlit-datalayer/compose.yaml',
    generateSecret: () => SECRET,
  });

describe('the built-in template', () => {
  it('holds the seed keys in the seed order, the data-layer block from CHAINLIT_DATALAYER_COMPOSE to DEV_AWS_ENDPOINT', () => {
    // The seed's keys from CHAINLIT_DATALAYER_COMPOSE on (the first three are the app's login).
    expect(DATA_LAYER_KEYS).toEqual(SEED_KEYS.slice(3));
    expect(TEMPLATE_KEYS).toEqual(['CHAINLIT_AUTH_SECRET', 'CHAINLIT_USERNAME', 'CHAINLIT_PASSWORD', ...DATA_LAYER_KEYS]);
  });

  it('parses without errors or warnings, every data-layer key defined once', () => {
    const document = parseEnvDocument(renderEnvTemplate({ composeFile: 'x/compose.yaml', authSecret: SECRET }));
    expect(document.errors).toEqual([]);
    expect(document.warnings).toEqual([]);
    const keys = document.lines.filter((line) => line.kind === 'entry').map((line) => line.key);
    expect(keys).toEqual(['CHAINLIT_AUTH_SECRET', ...DATA_LAYER_KEYS]);
  });

  it('quotes a compose path Compose would otherwise misread', () => {
    const text = renderEnvTemplate({ composeFile: 'my stack/compose.yaml #1', authSecret: SECRET });
    const entry = parseEnvDocument(text).lines.find((line) => line.key === 'CHAINLIT_DATALAYER_COMPOSE');
    expect(entry?.value).toBe('my stack/compose.yaml #1');
  });
});

describe('planEnvFile', () => {
  it('no .env and no example: the template, with the secret and the compose file', () => {
    const result = plan(undefined);
    expect(result.changes).toEqual([{ action: 'create', from: 'template', keys: ['CHAINLIT_AUTH_SECRET', ...DATA_LAYER_KEYS] }]);
    expect(result.text).toContain(`\nCHAINLIT_AUTH_SECRET=${SECRET}\n`);
    expect(result.text).toContain('\nCHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml\n');
    expect(result.secret).toBe(SECRET);
  });

  it('a complete .env: nothing changes', () => {
    const complete = plan(undefined).text ?? '';
    expect(plan(complete)).toEqual({ text: undefined, changes: [], secret: undefined });
  });

  it.each([['...'], ['changeme'], ['<your secret>'], ['']])('a placeholder secret %j is replaced in place', (placeholder) => {
    const complete = (plan(undefined).text ?? '').replace(`CHAINLIT_AUTH_SECRET=${SECRET}`, `CHAINLIT_AUTH_SECRET=${placeholder}`);
    const result = plan(complete);
    expect(result.changes).toEqual([{ action: 'update', keys: ['CHAINLIT_AUTH_SECRET'] }]);
    expect(result.text).toBe(plan(undefined).text);
  });

  it('a real secret is kept, even a short one (check warns about it)', () => {
    expect(isMissingSecret('short-but-real')).toBe(false);
    expect(plan('CHAINLIT_AUTH_SECRET=short-but-real\n').text).toContain('CHAINLIT_AUTH_SECRET=short-but-real\n');
  });

  it('appends the missing keys with their comments after a blank line, in the file line endings', () => {
    const existing = 'APP=1\r\nPOSTGRES_PORT=5433\r\n';
    const result = plan(existing);
    const text = result.text ?? '';
    expect(text.startsWith(`${existing}\r\n# Added by \`datalayer init\``)).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(result.changes).toEqual([
      { action: 'append', keys: ['CHAINLIT_AUTH_SECRET', ...DATA_LAYER_KEYS.filter((key) => key !== 'POSTGRES_PORT')] },
    ]);
  });

  it('ends an unterminated last line before appending', () => {
    const text = plan('APP=1').text ?? '';
    expect(text.startsWith('APP=1\n\n# Added by')).toBe(true);
  });

  it('without a compose file, the pointer is appended commented out', () => {
    const result = plan('APP=1\n', { composeFile: undefined });
    expect(result.text).toContain('\n# CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml\n');
    expect(result.changes[0]?.keys).not.toContain('CHAINLIT_DATALAYER_COMPOSE');
  });

  it('from .env.example: a new file, where the compose pointer may be corrected', () => {
    const example = 'CHAINLIT_AUTH_SECRET=changeme\nCHAINLIT_DATALAYER_COMPOSE=elsewhere.yaml\n';
    const result = plan(undefined, { example });
    expect(result.text?.startsWith(`CHAINLIT_AUTH_SECRET=${SECRET}\nCHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml\n\n`)).toBe(true);
    expect(result.changes).toEqual([
      {
        action: 'create',
        from: '.env.example',
        keys: ['CHAINLIT_AUTH_SECRET', 'CHAINLIT_DATALAYER_COMPOSE', ...DATA_LAYER_KEYS.slice(1)],
      },
    ]);
  });

  it('in an existing .env, a compose pointer set elsewhere is left to the user', () => {
    const existing = `CHAINLIT_AUTH_SECRET=${SECRET}\nCHAINLIT_DATALAYER_COMPOSE=elsewhere.yaml\n`;
    expect(plan(existing).text).toContain('\nCHAINLIT_DATALAYER_COMPOSE=elsewhere.yaml\n');
  });
});

describe('planGitignore', () => {
  const entries = ['.env', '.datalayer/'];
  it.each([
    ['no file', undefined, '# datalayer: local configuration (secrets) and its own state\n.env\n.datalayer/\n', ['.env', '.datalayer/']],
    ['a file with neither', 'node_modules/\n', 'node_modules/\n\n# datalayer: local configuration (secrets) and its own state\n.env\n.datalayer/\n', ['.env', '.datalayer/']],
    ['an unterminated last line', 'dist', 'dist\n\n# datalayer: local configuration (secrets) and its own state\n.env\n.datalayer/\n', ['.env', '.datalayer/']],
    ['.env*: only the state folder', '.env*\n\n', '.env*\n\n# datalayer: local configuration (secrets) and its own state\n.datalayer/\n', ['.datalayer/']],
  ])('%s', (_title, existing, expectedText, expectedAdded) => {
    expect(planGitignore(existing, entries)).toEqual({ text: expectedText, added: expectedAdded });
  });

  it.each([['/.env\n/.datalayer\n'], ['.env\n.datalayer/\n'], ['**/.env\n.datalayer\n']])('already covered by %j', (existing) => {
    expect(planGitignore(existing, entries)).toBeUndefined();
  });

  it('a negated or commented pattern does not count', () => {
    expect(planGitignore('# .env\n!.datalayer/\n', entries)?.added).toEqual(['.env', '.datalayer/']);
  });
});
