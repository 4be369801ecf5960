import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executableIdentity, recordedEngine, routeWithEngine } from '../../src/runtimes/docker/docker-route.js';
import type { ComposeEngine } from '../../src/runtimes/docker/engine.js';

const route = { socket: '/run/docker.sock', client: '/usr/bin/docker 1 2 3' };
const engine = (command: string[], version: string): ComposeEngine => ({ command, version, major: Number(version.split('.')[0]) || 0, warnings: [] });

describe('the Compose plugin a route records', () => {
  it.each([
    ['the plugin', engine(['docker', 'compose'], '2.26.1-4'), { ...route, compose: '2.26.1-4' }],
    ['a standalone docker-compose', engine(['docker-compose'], '2.27.0'), route],
    ['podman compose', engine(['podman', 'compose'], '1.0.6'), route],
    ['a plugin whose version could not be read', engine(['docker', 'compose'], 'unknown'), route],
  ])('%s: %j', (_name, found, expected) => {
    expect(routeWithEngine({ ...route, compose: '2.20.0' }, found)).toEqual(expected);
  });

  it('comes back as the engine it was, with the warnings detection would give', () => {
    expect(recordedEngine({ ...route, compose: '2.26.1-4' })).toEqual({ command: ['docker', 'compose'], version: '2.26.1-4', major: 2, warnings: [] });
    expect(recordedEngine({ ...route, compose: '3.0.0' })?.warnings).toEqual([expect.stringContaining('has not been tested')]);
  });

  it.each([
    ['none recorded', undefined],
    ['an unreadable version', 'banana'],
    ['a 1.x, which datalayer refuses', '1.29.2'],
  ])('%s: no engine is taken from the record (detection says what is there)', (_name, compose) => {
    expect(recordedEngine({ ...route, ...(compose === undefined ? {} : { compose }) })).toBeUndefined();
  });
});

describe("the plugin's executable a route records", () => {
  let dir: string;
  let executable: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'datalayer-route-'));
    executable = path.join(dir, 'docker-compose');
    writeFileSync(executable, '#!/bin/sh\n');
    chmodSync(executable, 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plugin = () => ({ ...engine(['docker', 'compose'], '2.26.1-4'), plugin: executable });

  it('is kept with what changes when it is replaced, and comes back to be run directly', () => {
    const recorded = routeWithEngine(route, plugin());
    expect(recorded).toEqual({ ...route, compose: '2.26.1-4', plugin: { path: executable, file: executableIdentity(executable) } });
    expect(recordedEngine(recorded)).toEqual(plugin());
  });

  it.each([
    ['replaced', () => writeFileSync(executable, '#!/bin/sh\necho another build\n')],
    ['gone', () => rmSync(executable)],
  ])('%s since: the plugin comes back without it, to be reached through `docker compose`', (_name, change) => {
    const recorded = routeWithEngine(route, plugin());
    change();
    expect(recordedEngine(recorded)).toEqual(engine(['docker', 'compose'], '2.26.1-4'));
  });

  it('a plugin found without its executable (`docker compose version`) records none', () => {
    expect(routeWithEngine({ ...route, plugin: { path: executable, file: '1 2 3' } }, engine(['docker', 'compose'], '2.26.1-4'))).toEqual({ ...route, compose: '2.26.1-4' });
  });
});
