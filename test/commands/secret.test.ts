import { chmodSync, readFileSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secretCommand } from '../../src/commands/secret/index.js';
import { checkHost } from '../../src/config/check-host.js';
import { generateSecret } from '../../src/config/generate-secret.js';
import { dataOutput, invoke, jsonOutput, makeContext } from '../helpers/context.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';

describe('generateSecret', () => {
  it('gives 64 letters and digits, different each time', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => generateSecret()));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('uses the whole alphabet about evenly (no symbol favoured by a modulo)', () => {
    const counts = new Map<string, number>();
    const sample = Array.from({ length: 400 }, () => generateSecret()).join('');
    for (const character of sample) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = sample.length / 62;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.35);
  });
});

describe('datalayer secret', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a different secret of at least 32 characters on each run, and nothing else', async () => {
    const printed: string[] = [];
    for (let run = 0; run < 3; run += 1) {
      const ctx = makeContext(dir);
      expect(await invoke(secretCommand, {}, ctx)).toBe(0);
      expect(ctx.output.stdout()).toMatch(/^[A-Za-z0-9]{32,}\n$/);
      expect(ctx.output.stderr()).toBe('');
      printed.push(ctx.output.stdout());
    }
    expect(new Set(printed).size).toBe(3);
  });

  it('--json prints one document carrying the secret', async () => {
    const ctx = makeContext(dir, { json: true });
    expect(await invoke(secretCommand, {}, ctx)).toBe(0);
    expect(jsonOutput(ctx)).toMatchObject({ ok: true, command: 'secret' });
    const document = dataOutput(ctx);
    expect(document).toMatchObject({ written: false, length: 64 });
    expect(document.secret).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('--write without a .env: exit 3, pointing at init', async () => {
    const ctx = makeContext(dir);
    expect(await invoke(secretCommand, { write: true }, ctx)).toBe(3);
    expect(ctx.output.stderr()).toContain('datalayer init');
  });
});

describe('datalayer secret --write', () => {
  let host: HostFixture;
  afterEach(() => host.cleanup());

  it('replaces a placeholder, keeps every other byte and the file mode, never prints the value; then check passes', async () => {
    const original = seedEnv({ secret: '...' }).replace(/\n/g, '\r\n');
    host = makeHost({ env: original });
    const envFile = path.join(host.dir, '.env');
    chmodSync(envFile, 0o640);
    const before = await checkHost(makeContext(host.dir), {});
    expect(before.diagnostics.map((d) => d.code)).toContain('ENV_SECRET_PLACEHOLDER');
    const ctx = makeContext(host.dir, { json: true });

    expect(await invoke(secretCommand, { write: true }, ctx)).toBe(0);

    const text = readFileSync(envFile, 'utf8');
    const secret = /^CHAINLIT_AUTH_SECRET=([A-Za-z0-9]{64}) # has to be generated/m.exec(text)?.[1];
    expect(secret).toBeDefined();
    expect(text).toBe(original.replace('CHAINLIT_AUTH_SECRET=...', `CHAINLIT_AUTH_SECRET=${secret}`));
    expect(statSync(envFile).mode & 0o777).toBe(0o640);
    expect(ctx.output.stdout()).not.toContain(secret);
    expect(dataOutput(ctx)).toMatchObject({ written: true, envFile: '.env', replaced: true });
    expect(dataOutput(ctx)).not.toHaveProperty('secret');

    const after = await checkHost(makeContext(host.dir), {});
    expect(after.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('adds the key when the file has none, and says so without the value', async () => {
    host = makeHost({ env: 'APP=1\n' });
    const envFile = path.join(host.dir, '.env');
    const ctx = makeContext(host.dir);

    expect(await invoke(secretCommand, { write: true }, ctx)).toBe(0);

    const text = readFileSync(envFile, 'utf8');
    expect(text).toMatch(/^APP=1\nCHAINLIT_AUTH_SECRET=[A-Za-z0-9]{64}\n$/);
    expect(ctx.output.stdout()).toContain('CHAINLIT_AUTH_SECRET added in .env');
    expect(ctx.output.stdout()).not.toMatch(/[A-Za-z0-9]{64}/);
  });
});
