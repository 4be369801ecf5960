import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FORK_LIKE_COMPOSE } from '../helpers/host-fixture.js';
import { jsonOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeDockerHost, type DockerHost } from '../helpers/docker-host.js';
import { imageMajor } from '../../src/services/postgres/major-version.js';

/**
 * A data directory made by one PostgreSQL major under a server of another: `check` reports it
 * with the compose file's line, `up` stops with exit 3 before anything starts (here with a fake
 * docker that records every call; test/e2e/history-docker.test.ts proves it on a real engine).
 */
describe('the Postgres major of a data directory against the server that would open it', () => {
  let fixture: DockerHost | undefined;
  afterEach(() => fixture?.host.cleanup());

  async function hostWith(image: string, dataVersion: string | undefined): Promise<DockerHost> {
    fixture = await makeDockerHost();
    fixture.host.write('extern/chainlit-datalayer/compose.yaml', FORK_LIKE_COMPOSE.replace('image: postgres:16', `image: ${image}`));
    if (dataVersion !== undefined) {
      mkdirSync(path.join(fixture.host.submoduleDir, '.data', 'postgres'), { recursive: true });
      writeFileSync(path.join(fixture.host.submoduleDir, '.data', 'postgres', 'PG_VERSION'), `${dataVersion}\n`);
    }
    return fixture;
  }
  const imageLine = (image: string) => FORK_LIKE_COMPOSE.replace('image: postgres:16', `image: ${image}`).split('\n').findIndex((line) => line.includes(`image: ${image}`)) + 1;

  it('check: an error with the compose file and the line of its image, naming both majors and the way out', async () => {
    const host = await hostWith('postgres:17', '16');
    const check = await runInProcess(['check', '--json'], { cwd: host.host.dir, env: host.env });
    expect(check.exitCode).toBe(3);
    const finding = (jsonOf(check).diagnostics as Array<Record<string, unknown>>).find((d) => d.code === 'POSTGRES_MAJOR_MISMATCH');
    expect(finding).toMatchObject({ severity: 'error', file: 'extern/chainlit-datalayer/compose.yaml', line: imageLine('postgres:17') });
    expect(finding?.message).toMatch(/PostgreSQL 16 data.*postgres:17 \(PostgreSQL 17\)/);
    expect(finding?.hint).toMatch(/datalayer backup FILE.*datalayer restore FILE/);
  });

  it('up --runtime docker: exit 3 before any compose call that starts something', async () => {
    const host = await hostWith('postgres:17-alpine', '16');
    const up = await runInProcess(['up', '--runtime', 'docker'], { cwd: host.host.dir, env: host.env });
    expect(up.exitCode, up.stderr).toBe(3);
    expect(up.stderr).toMatch(/error: .*PostgreSQL 16 data, but service postgres runs postgres:17-alpine \(PostgreSQL 17\)/);
    expect(up.stderr).toMatch(/hint: .*datalayer backup/);
    expect(host.docker.calls().filter((call) => call.includes('up') || call.includes('create') || call.includes('run'))).toEqual([]);
  });

  it('the same major, or no data directory yet: nothing to report', async () => {
    for (const [image, version] of [['postgres:16.4-bookworm', '16'], ['postgres:17', undefined]] as const) {
      const host = await hostWith(image, version);
      const check = await runInProcess(['check', '--json'], { cwd: host.host.dir, env: host.env });
      const codes = (jsonOf(check).diagnostics as Array<{ code: string }>).map((d) => d.code);
      expect(codes.filter((code) => code.startsWith('POSTGRES_'))).toEqual([]);
      host.host.cleanup();
      fixture = undefined;
    }
  });

  it('a tag that names no version: said as info, not an error', async () => {
    const host = await hostWith('postgres:latest', '16');
    const check = await runInProcess(['check', '--json'], { cwd: host.host.dir, env: host.env });
    const finding = (jsonOf(check).diagnostics as Array<Record<string, unknown>>).find((d) => d.code === 'POSTGRES_MAJOR_UNKNOWN');
    expect(finding).toMatchObject({ severity: 'info', line: imageLine('postgres:latest') });
    expect(check.exitCode).toBe(0);
  });

  it.each([
    ['postgres:16', { major: '16' }],
    ['postgres:17-alpine', { major: '17' }],
    ['docker.io/library/postgres:16.4', { major: '16' }],
    ['postgres:9.6', { major: '9.6' }],
    ['pgvector/pgvector:pg17', { major: '17' }],
    ['postgis/postgis:16-3.4', { major: '16' }],
    ['localhost:5000/postgres:15', { major: '15' }],
  ])('imageMajor(%s)', (image, expected) => {
    expect(imageMajor(image)).toEqual(expected);
  });

  it.each(['postgres', 'postgres:latest', 'postgres:alpine', 'postgres@sha256:0123abcd'])('imageMajor(%s) cannot tell', (image) => {
    expect(imageMajor(image)).toHaveProperty('unknown');
  });
});
