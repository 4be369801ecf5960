/**
 * `.env` as Docker Compose itself reads it: for every shape of the byte-safety suite, what
 * datalayer reads from the file, and what its edits (`secret --write`, `disable`, `enable`,
 * `init`) leave in it, must be what the real `docker compose config` reads from the same file.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { disableCommand as disable } from '../../src/commands/disable.js';
import { enableCommand as enable } from '../../src/commands/enable.js';
import { initCommand as init } from '../../src/commands/init/index.js';
import { secretCommand } from '../../src/commands/secret/index.js';
import { DATA_LAYER_KEYS } from '../../src/config/env-template.js';
import { loadHostConfig } from '../../src/config/host-config.js';
import { resolveHostProject } from '../../src/context/host-project.js';
import { invoke, makeContext } from '../helpers/context.js';
import { compose, describeEngine } from '../helpers/engine.js';
import { ENV_SHAPES, shapeText, type EnvShape } from '../reliability/env-shapes.js';

/** What a key unset in the file and the shell reads as, on both sides. */
const UNSET = '__unset_in_file_and_shell__';
const NAME = /^[\t ]*(?:#(?:\[disabled by datalayer\])?[\t ]*)?(?:export[\t ]+)?([A-Za-z_][A-Za-z0-9_]*)/;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'datalayer-compose-env-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;

/** Every name the file could define, commented or not, and every name datalayer cares about. */
function namesIn(texts: string[]): string[] {
  const names = new Set<string>([...DATA_LAYER_KEYS, 'CHAINLIT_AUTH_SECRET']);
  for (const text of texts) {
    for (const line of text.replace(/^\ufeff/, '').split(/\r?\n/)) {
      const name = NAME.exec(line)?.[1];
      if (name !== undefined && name !== 'export') names.add(name);
    }
  }
  return [...names].sort();
}

/** A compose file whose one service receives each name, `UNSET` when neither `.env` nor the shell sets it. */
function probeCompose(names: string[]): string {
  const lines = names.map((name) => `      ${name}: "\${${name}-${UNSET}}"`);
  return `services:\n  probe:\n    image: postgres:16\n    environment:\n${lines.join('\n')}\n`;
}

/** The shell both readers get: nothing that the file could define, so only the file speaks. */
function shellWithout(names: string[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG']) {
    const value = process.env[key];
    if (value !== undefined && (!names.includes(key) || key === 'HOME')) env[key] = value;
  }
  return { ...env, ...extra };
}

type Reading = { ok: true; values: Record<string, string> } | { ok: false; error: string };

/** What `docker compose config` hands the service: `$` comes back doubled, as a compose file writes it. */
async function composeReading(dir: string, names: string[], shell: Record<string, string>): Promise<Reading> {
  const run = await compose(['--project-directory', dir, '-p', 'envprobe', 'config', '--format', 'json'], { cwd: dir, env: shell });
  if (run.exitCode !== 0) return { ok: false, error: run.stderr };
  const environment = (JSON.parse(run.stdout) as { services: { probe: { environment: Record<string, string | null> } } }).services.probe.environment;
  return { ok: true, values: Object.fromEntries(names.map((name) => [name, (environment[name] ?? '').replaceAll('$$', '$')])) };
}

/**
 * Many edits leave a file as it was (`enable` where nothing is disabled), or as another shape has
 * it: Compose reads the same text with the same names and shell the same way, so each distinct
 * input is read once. A distinct input is still a run of the real Compose.
 */
const composeReadings = new Map<string, Promise<Reading>>();
function composeReadingOnce(dir: string, text: string, names: string[], shell: Record<string, string>): Promise<Reading> {
  const key = JSON.stringify([text, names, shell]);
  let reading = composeReadings.get(key);
  if (!reading) {
    reading = composeReading(dir, names, shell);
    composeReadings.set(key, reading);
  }
  return reading;
}

/** What datalayer reads from the same file with the same shell. */
async function datalayerReading(dir: string, names: string[], shell: Record<string, string>): Promise<Reading> {
  const config = await loadHostConfig({ host: resolveHostProject({ cwd: dir }), env: shell });
  const errors = config.document?.errors ?? [];
  if (errors.length > 0) return { ok: false, error: JSON.stringify(errors) };
  return { ok: true, values: Object.fromEntries(names.map((name) => [name, config.values[name] ?? UNSET])) };
}

/** A directory holding `text` as `.env` and the probe compose file. */
function stateDir(text: string, names: string[]): string {
  dirs += 1;
  const dir = path.join(scratch, `state-${dirs}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, '.env'), text);
  writeFileSync(path.join(dir, 'compose.yaml'), probeCompose(names));
  return dir;
}

type Edit = 'secret' | 'disable' | 'enable' | 'init';
async function edit(text: string, steps: Edit[]): Promise<string> {
  dirs += 1;
  const dir = path.join(scratch, `edit-${dirs}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, '.env'), text);
  for (const step of steps) {
    const command = { secret: secretCommand, disable, enable, init }[step];
    const options = step === 'init' ? { submodule: false } : step === 'secret' ? { write: true } : {};
    await invoke(command, options, makeContext(dir, { yes: true }));
  }
  return readFileSync(path.join(dir, '.env'), 'utf8');
}

const isDataLayerKey = (name: string) => (DATA_LAYER_KEYS as readonly string[]).includes(name);
const valuesOf = (reading: Reading) => (reading.ok ? reading.values : {});
function without(values: Record<string, string>, drop: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => !drop(name)));
}

describeEngine('.env read as the real `docker compose config` reads it', () => {
  it.each(ENV_SHAPES.map((shape) => [shape.name, shape] as const))('%s: the file and every edit of it', async (_name, shape: EnvShape) => {
    const original = shapeText(shape);
    const states: Record<string, string> = {
      original,
      'secret --write': await edit(original, ['secret']),
      disable: await edit(original, ['disable']),
      'disable, enable': await edit(original, ['disable', 'enable']),
      enable: await edit(original, ['enable']),
      'init --no-submodule': await edit(original, ['init']),
    };
    const names = namesIn(Object.values(states));
    const shell = shellWithout(names);
    const readings = await Promise.all(
      Object.entries(states).map(async ([label, text]) => {
        const dir = stateDir(text, names);
        const [compose, datalayer] = await Promise.all([composeReadingOnce(dir, text, names, shell), datalayerReading(dir, names, shell)]);
        return { label, compose, datalayer };
      }),
    );
    for (const { label, compose, datalayer } of readings) {
      // A file Compose refuses is one datalayer refuses too; otherwise the values are the same.
      expect(datalayer.ok, `${label}: datalayer ${JSON.stringify(datalayer)}\ncompose ${JSON.stringify(compose)}`).toBe(compose.ok);
      if (compose.ok) expect(valuesOf(datalayer), label).toEqual(compose.values);
    }
    const compose = Object.fromEntries(readings.map(({ label, compose }) => [label, compose]));
    if (!compose.original!.ok) return;
    const before = valuesOf(compose.original!);
    // secret --write: Compose reads a new 64-character secret, and everything else as before.
    const secret = valuesOf(compose['secret --write']!);
    expect(secret.CHAINLIT_AUTH_SECRET).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(without(secret, (name) => name === 'CHAINLIT_AUTH_SECRET')).toEqual(without(before, (name) => name === 'CHAINLIT_AUTH_SECRET'));
    // disable: Compose reads no data-layer key any more, and every other key as before.
    const disabled = valuesOf(compose.disable!);
    expect(Object.entries(disabled).filter(([name, value]) => isDataLayerKey(name) && value !== UNSET)).toEqual([]);
    expect(without(disabled, isDataLayerKey)).toEqual(without(before, isDataLayerKey));
    // enable after disable: Compose reads exactly what it read before.
    expect(valuesOf(compose['disable, enable']!)).toEqual(before);
    // init: keys Compose read keep their values (a placeholder secret gets a real one).
    const initialised = valuesOf(compose['init --no-submodule']!);
    const defined = Object.keys(before).filter((name) => before[name] !== UNSET && name !== 'CHAINLIT_AUTH_SECRET');
    expect(Object.fromEntries(defined.map((name) => [name, initialised[name]]))).toEqual(Object.fromEntries(defined.map((name) => [name, before[name]])));
    expect(initialised.CHAINLIT_AUTH_SECRET).not.toMatch(/^(\.\.\.)?$/);
  });

  it('bare names take the shell\'s value for both, and an unset one stays unset for both', async () => {
    const text = 'POSTGRES_USER\nexport POSTGRES_PASSWORD\nPOSTGRES_DB\nBUCKET_NAME=bucket-${POSTGRES_USER}\n';
    const names = namesIn([text]);
    const shell = shellWithout(names, { POSTGRES_USER: 'user from the shell', POSTGRES_PASSWORD: "p@ss 'with' $dollar" });
    const dir = stateDir(text, names);
    const [compose, datalayer] = await Promise.all([composeReading(dir, names, shell), datalayerReading(dir, names, shell)]);
    expect(compose.ok, JSON.stringify(compose)).toBe(true);
    expect(valuesOf(compose)).toMatchObject({ POSTGRES_USER: 'user from the shell', POSTGRES_PASSWORD: "p@ss 'with' $dollar", BUCKET_NAME: 'bucket-user from the shell' });
    expect(valuesOf(datalayer)).toEqual(valuesOf(compose));
  });
});
