import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readComposeModel, type ComposeModel } from '../../src/config/compose/model.js';
import { isPlainJson } from '../../src/config/compose/parse-cache.js';

const COMPOSE = `services:
  postgres:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD:-root}
    ports:
      - "\${POSTGRES_PORT:-5432}:5432"
  localstack:
    image: localstack/localstack:4.12
`;

let dir: string;
let stateDir: string;
let file: string;
const values: Record<string, string> = { POSTGRES_PORT: '5433' };
const lookup = (name: string) => values[name];
const cacheFile = () => path.join(stateDir, 'compose-cache.json');
const read = () => readComposeModel(file, lookup, { stateDir });
/** `.datalayer/` as `up` leaves it: the runtime record is what says a stack was started here. */
const startedHere = () => {
  mkdirSync(stateDir);
  writeFileSync(path.join(stateDir, 'runtime.json'), '{}');
};
/** What a command sees of the model: the same with or without the cache. */
const shape = (model: ComposeModel) => JSON.parse(JSON.stringify(model));

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-parse-cache-'));
  stateDir = path.join(dir, '.datalayer');
  file = path.join(dir, 'compose.yaml');
  writeFileSync(file, COMPOSE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('compose files parsed once per content', () => {
  it('without .datalayer/ nothing is written: reading a project never creates its state directory', async () => {
    await read();
    expect(existsSync(stateDir)).toBe(false);
  });

  it('nor fills one where no stack was started (the host lock alone makes it)', async () => {
    mkdirSync(stateDir);
    await read();
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('a second read from the cache gives the same model as a fresh parse, lines included', async () => {
    startedHere();
    const fresh = await readComposeModel(file, lookup);
    const first = await read();
    expect(existsSync(cacheFile())).toBe(true);
    const cached = await read();
    expect(shape(first)).toEqual(shape(fresh));
    expect(shape(cached)).toEqual(shape(fresh));
    expect(cached.services.find((s) => s.name === 'postgres')).toMatchObject({ line: 2, imageLine: 3, environmentLines: { POSTGRES_PASSWORD: 5 } });
  });

  it('the cache holds the file as written, never a value of .env', async () => {
    startedHere();
    values.POSTGRES_PASSWORD = 'S3cret-from-env-9Xq';
    await read();
    delete values.POSTGRES_PASSWORD;
    expect(readFileSync(cacheFile(), 'utf8')).not.toContain('S3cret-from-env-9Xq');
  });

  it('interpolation is redone on every read: a changed .env value shows through a cached parse', async () => {
    startedHere();
    await read();
    values.POSTGRES_PORT = '6543';
    const model = await read();
    values.POSTGRES_PORT = '5433';
    expect(model.services.find((s) => s.name === 'postgres')?.ports[0]?.published).toBe(6543);
  });

  it('an edited file is parsed again, even when the edit keeps its size', async () => {
    startedHere();
    await read();
    writeFileSync(file, COMPOSE.replace('postgres:16', 'postgres:17'));
    const model = await read();
    expect(model.services.find((s) => s.name === 'postgres')?.image).toBe('postgres:17');
  });

  it('an edit that breaks the YAML is reported, whatever the cache held', async () => {
    startedHere();
    await read();
    writeFileSync(file, `${COMPOSE}  bad: [unclosed\n`);
    await expect(read()).rejects.toThrow(/not valid YAML/);
  });

  it('a damaged or foreign cache file is ignored and replaced', async () => {
    startedHere();
    for (const damaged of ['{"format":1,"entries":[', '[]', '{"format":999,"entries":[]}', `{"format":1,"entries":[["${file}",{"text":1}]]}`]) {
      writeFileSync(cacheFile(), damaged);
      const model = await read();
      expect(model.services.map((s) => s.name)).toEqual(['postgres', 'localstack']);
      expect(JSON.parse(readFileSync(cacheFile(), 'utf8')).format).toBe(1);
    }
  });

  it('a file whose anchor contains itself is read as before and not kept', async () => {
    startedHere();
    writeFileSync(file, 'x-base: &base\n  image: postgres:16\n  pg2:\n    <<: *base\nservices:\n  postgres:\n    image: postgres:16\n');
    const model = await read();
    expect(model.services.map((s) => s.name)).toEqual(['postgres']);
    expect(existsSync(cacheFile())).toBe(false);
  });

  it('an included file is kept under its own name and re-read when it changes', async () => {
    startedHere();
    writeFileSync(path.join(dir, 'main.yaml'), 'include:\n  - compose.yaml\n');
    const main = path.join(dir, 'main.yaml');
    await readComposeModel(main, lookup, { stateDir });
    writeFileSync(file, COMPOSE.replace('localstack:\n', 'minio:\n'));
    const model = await readComposeModel(main, lookup, { stateDir });
    expect(model.services.map((s) => s.name)).toEqual(['postgres', 'minio']);
  });
});

const shared = { image: 'postgres:16' };
function cyclic(): Record<string, unknown> {
  const base: Record<string, unknown> = { image: 'postgres:16' };
  base.pg2 = { merged: base };
  return base;
}
function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('isPlainJson: only values that come back from JSON unchanged are kept', () => {
  it.each([
    ['a plain document', { services: { a: { ports: ['1:2'], n: 1, ok: true, none: null } } }, true],
    ['.inf', { x: Number.POSITIVE_INFINITY }, false],
    ['.nan', { x: Number.NaN }, false],
    ['-0', { x: -0 }, false],
    ['a YAML 1.1 timestamp', { x: new Date(0) }, false],
    ['a set', { x: new Set([1]) }, false],
    ['binary', { x: new Uint8Array([1]) }, false],
    ['an object without prototype', { x: Object.create(null) }, false],
    ['a document that contains itself (an alias inside its own anchor)', cyclic(), false],
    ['nesting deeper than any compose file', nested(10_000), false],
    ['the same value twice (an alias used twice)', { a: shared, b: shared }, true],
  ])('%s', (_name, value, plain) => {
    expect(isPlainJson(value)).toBe(plain);
  });
});
