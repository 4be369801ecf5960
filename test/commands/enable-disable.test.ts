import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { disableCommand as disable } from '../../src/commands/disable.js';
import { enableCommand as enable } from '../../src/commands/enable.js';
import { checkHost } from '../../src/config/check-host.js';
import { planDisable, planEnable } from '../../src/commands/data-layer-switch/plan.js';
import { DATA_LAYER_KEYS } from '../../src/config/env-template.js';
import { dataOutput, invoke, jsonOutput, makeContext } from '../helpers/context.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';

const SEED = seedEnv();

describe('planDisable / planEnable', () => {
  it.each([
    ['the seed block', SEED],
    ['CRLF endings and a byte order mark', `\uFEFF${SEED.replace(/\n/g, '\r\n')}`],
    ['no final newline, export and quotes', 'export POSTGRES_USER="root"\nAPP=1\nDATABASE_URL=\'postgresql://u:p@h/d\''],
    ['a multi-line quoted value', 'BUCKET_NAME="first\nsecond"\nOTHER=x\n'],
    ['indentation and inline comments', '  POSTGRES_PORT=5433   # taken by another app\n\tLOCALSTACK_PORT=4567\n'],
  ])('disable then enable gives back %s byte for byte', (_title, original) => {
    const disabled = planDisable(original);
    expect(disabled.text).toBeDefined();
    expect(disabled.text).not.toBe(original);
    const enabled = planEnable(disabled.text ?? '', '.env');
    expect(enabled.text).toBe(original);
    expect(enabled.keys).toEqual(disabled.keys);
  });

  it('comments exactly the data-layer keys, not the auth secret, username or password', () => {
    const disabled = planDisable(SEED).text ?? '';
    for (const key of DATA_LAYER_KEYS) expect(disabled).toMatch(new RegExp(`^#\\[disabled by datalayer\\] ${key}=`, 'm'));
    for (const key of ['CHAINLIT_AUTH_SECRET', 'CHAINLIT_USERNAME', 'CHAINLIT_PASSWORD']) {
      expect(disabled).toMatch(new RegExp(`^${key}=`, 'm'));
    }
    // Only lines defining data-layer keys differ.
    const before = SEED.split('\n');
    const after = disabled.split('\n');
    expect(after).toHaveLength(before.length);
    after.forEach((line, index) => {
      if (line !== before[index]) expect(line).toBe(`#[disabled by datalayer] ${before[index]}`);
    });
  });

  it('already disabled: nothing to do', () => {
    const disabled = planDisable(SEED).text ?? '';
    expect(planDisable(disabled)).toEqual({ text: undefined, keys: [], diagnostics: [] });
  });

  it('enable leaves a key alone when it is defined, and a commented alternative stays commented', () => {
    const text = 'POSTGRES_PORT=5432\n# POSTGRES_PORT=5433\n# LOCALSTACK_PORT=4566\n';
    expect(planEnable(text, '.env').text).toBe('POSTGRES_PORT=5432\n# POSTGRES_PORT=5433\nLOCALSTACK_PORT=4566\n');
  });

  it('after disable, an older value commented after the active line stays a comment (issue: it became active)', () => {
    const original = 'POSTGRES_DB=postgres\n# POSTGRES_DB=chainlit_old\nPOSTGRES_PASSWORD=current\n# POSTGRES_PASSWORD=old\nPOSTGRES_USER\n';
    const disabled = planDisable(original);
    expect(disabled.keys).toEqual(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB']);
    const enabled = planEnable(disabled.text ?? '', '.env');
    expect(enabled).toEqual({ text: original, keys: ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'], diagnostics: [] });
  });

  it('a file commented by hand (no mark): with several commented definitions, enables the last one and warns with its line', () => {
    const plan = planEnable('# POSTGRES_PORT=5433\n# POSTGRES_PORT=5432\n', '.env');
    expect(plan.text).toBe('# POSTGRES_PORT=5433\nPOSTGRES_PORT=5432\n');
    expect(plan.diagnostics).toEqual([expect.objectContaining({ code: 'ENABLE_SEVERAL_COMMENTED', line: 2, key: 'POSTGRES_PORT', file: '.env' })]);
  });

  it('ignores ordinary comments that merely mention a key', () => {
    const text = '# Set POSTGRES_PORT when 5432 is taken\n# see DATABASE_URL below\n';
    expect(planEnable(text, '.env').text).toBeUndefined();
  });
});

describe('datalayer disable / enable', () => {
  let host: HostFixture;
  afterEach(() => host.cleanup());

  it('disable then check reports the state disabled; enable restores the file byte for byte', async () => {
    const original = SEED.replace(/\n/g, '\r\n');
    host = makeHost({ env: original });
    const envFile = path.join(host.dir, '.env');
    const disableContext = makeContext(host.dir, { json: true });

    expect(await invoke(disable, {}, disableContext)).toBe(0);

    expect(jsonOutput(disableContext)).toMatchObject({ command: 'disable' });
    expect(dataOutput(disableContext)).toMatchObject({ action: 'changed', keys: [...DATA_LAYER_KEYS], state: 'disabled' });
    const check = await checkHost(makeContext(host.dir), {});
    expect(check.state).toBe('disabled');

    const enableContext = makeContext(host.dir);
    expect(await invoke(enable, {}, enableContext)).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toBe(original);
    expect(enableContext.output.stdout()).toContain('uncommented 12 keys in .env');
    expect((await checkHost(makeContext(host.dir), {})).state).toBe('local');
  });

  it('with --env-file, the commands they suggest name that file and the project', async () => {
    host = makeHost({ env: SEED });
    writeFileSync(path.join(host.dir, 'custom.env'), SEED);
    const disabled = makeContext(host.dir, { envFile: 'custom.env' });
    expect(await invoke(disable, {}, disabled)).toBe(0);
    expect(disabled.output.stdout()).toContain(`datalayer -C ${host.dir} --env-file custom.env enable turns it back on`);
    expect(disabled.output.stdout()).toContain(`until datalayer -C ${host.dir} --env-file custom.env down`);
    const enabled = makeContext(host.dir, { envFile: 'custom.env' });
    expect(await invoke(enable, {}, enabled)).toBe(0);
    expect(enabled.output.stdout()).toContain(`Next: datalayer -C ${host.dir} --env-file custom.env up`);
    expect(readFileSync(path.join(host.dir, '.env'), 'utf8')).toBe(SEED);
  });

  it('disable twice: the second says it is already disabled and changes nothing', async () => {
    host = makeHost({ env: SEED });
    await invoke(disable, {}, makeContext(host.dir));
    const once = readFileSync(path.join(host.dir, '.env'), 'utf8');
    const ctx = makeContext(host.dir);

    expect(await invoke(disable, {}, ctx)).toBe(0);

    expect(readFileSync(path.join(host.dir, '.env'), 'utf8')).toBe(once);
    expect(ctx.output.stdout()).toContain('already disabled');
  });

  it('enable on an enabled file says so', async () => {
    host = makeHost({ env: SEED });
    const ctx = makeContext(host.dir, { json: true });
    expect(await invoke(enable, {}, ctx)).toBe(0);
    expect(dataOutput(ctx)).toMatchObject({ action: 'unchanged', keys: [], state: 'local' });
    expect(readFileSync(path.join(host.dir, '.env'), 'utf8')).toBe(SEED);
  });

  it.each([
    ['disable', disable],
    ['enable', enable],
  ] as const)('%s without a .env: exit 3, pointing at init', async (name, command) => {
    host = makeHost();
    const ctx = makeContext(host.dir);
    expect(await invoke(command, {}, ctx)).toBe(3);
    expect(ctx.output.stderr()).toContain('datalayer init');
  });

  it('enable on a file without any data-layer key: exit 3, pointing at init', async () => {
    host = makeHost({ env: 'APP=1\n' });
    const ctx = makeContext(host.dir);
    expect(await invoke(enable, {}, ctx)).toBe(3);
    expect(ctx.output.stderr()).toContain('datalayer init');
  });

  it('works on the --env-file given', async () => {
    host = makeHost();
    writeFileSync(path.join(host.dir, 'app.env'), SEED);
    const ctx = makeContext(host.dir, { envFile: 'app.env' });
    expect(await invoke(disable, {}, ctx)).toBe(0);
    expect(readFileSync(path.join(host.dir, 'app.env'), 'utf8')).toMatch(/^#\[disabled by datalayer\] CHAINLIT_DATALAYER_COMPOSE=/m);
    expect(ctx.output.stdout()).toContain('app.env');
  });
});
