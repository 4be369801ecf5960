import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readComposeModel, type ComposeModel } from '../../src/config/compose/model.js';
import { dataLayerServices } from '../../src/config/compose/roles.js';
import { UsageError } from '../../src/support/errors.js';
import { stripControlSequences } from '../../src/report/control-sequences.js';
import { planServices } from '../../src/services/up/service-plan.js';
import { FORK_LIKE_COMPOSE } from '../helpers/host-fixture.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'datalayer-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** The model datalayer reads from a compose file with this text. */
async function model(text: string): Promise<ComposeModel> {
  const file = path.join(dir, `compose-${++files}.yaml`);
  writeFileSync(file, text);
  return readComposeModel(file, () => undefined);
}

let fork: ComposeModel;
beforeAll(async () => {
  fork = await model(FORK_LIKE_COMPOSE);
});

describe('what plain `up` starts', () => {
  it("the fork's file: postgres and localstack; data-layer (build-only, depends on both) is left out", () => {
    expect(planServices(fork, {})).toEqual({ core: ['postgres', 'localstack'], extras: [], leftOut: ['data-layer'] });
  });

  it('--with data-layer makes it an extra, started after the data layer', () => {
    expect(planServices(fork, { with: ['data-layer'] })).toEqual({ core: ['postgres', 'localstack'], extras: ['data-layer'], leftOut: [] });
  });

  it('--services keeps to the named data-layer services; a named outsider is an extra; only outsiders still bring the data layer', () => {
    expect(planServices(fork, { services: ['postgres'] })).toEqual({ core: ['postgres'], extras: [], leftOut: ['data-layer', 'localstack'] });
    expect(planServices(fork, { services: ['postgres', 'data-layer'] })).toEqual({ core: ['postgres'], extras: ['data-layer'], leftOut: ['localstack'] });
    expect(planServices(fork, { services: ['data-layer'] }).core).toEqual(['postgres', 'localstack']);
  });

  it('a service the file does not declare is a usage error naming the ones it does', () => {
    expect(() => planServices(fork, { with: ['prisma-studio'] })).toThrow(UsageError);
    expect(() => planServices(fork, { with: ['prisma-studio'] })).toThrow(/no service "prisma-studio"/);
  });

  it('what the roles depend on comes along (depends_on, list or map form), in file order', async () => {
    const text = `services:
  app:
    image: my/app
  minio-init:
    image: minio/mc
  cache:
    image: redis
  db:
    image: postgres:16
    depends_on:
      cache:
        condition: service_started
  s3:
    image: minio/minio
    depends_on: [minio-init]
`;
    const read = await model(text);
    expect(dataLayerServices(read)).toEqual(['minio-init', 'cache', 'db', 's3']);
    expect(planServices(read, {}).leftOut).toEqual(['app']);
  });

  it('a file where no service plays Postgres or S3 starts everything, as before', async () => {
    expect(planServices(await model('services:\n  web:\n    image: nginx\n'), {})).toEqual({ core: ['web'], extras: [], leftOut: [] });
  });
});

describe('stripControlSequences', () => {
  it.each([
    ['\x1b[2Kpostgres-1  | ready', 'postgres-1  | ready'],
    ['\x1b[32mgreen\x1b[0m text', 'green text'],
    ['progress 10%\rprogress 100%', 'progress 10%progress 100%'],
    ['line\r\nnext', 'line\r\nnext'],
    ['\x1b]0;title\x07after', 'after'],
    ['plain text, 100% kept', 'plain text, 100% kept'],
  ])('%j → %j', (input, output) => {
    expect(stripControlSequences(input)).toBe(output);
  });
});
