import { describe, expect, it } from 'vitest';
import { composeWarnings } from '../../src/runtimes/docker/compose-warnings.js';
import { composeVersionWarnings, isLegacyCompose, parseComposeVersion } from '../../src/runtimes/docker/engine.js';
import { parseContainerList } from '../../src/runtimes/docker/port-owner.js';
import { parseComposePs, publishedPorts, toServiceState } from '../../src/runtimes/docker/ps.js';
import { DatalayerError } from '../../src/support/errors.js';

describe('parseComposeVersion', () => {
  it.each([
    ['2.29.1', '2.29.1', 2],
    ['v2.1.0\n', '2.1.0', 2],
    ['5.0.0', '5.0.0', 5],
    ['5.1', '5.1', 5],
    ['1.29.2', '1.29.2', 1],
    ['2.29.1-desktop.1', '2.29.1-desktop.1', 2],
    ['Docker Compose version v2.29.1', '2.29.1', 2],
    ['Docker Compose version 2.40.3', '2.40.3', 2],
    ['docker-compose version 1.29.2, build 5becea4c', '1.29.2', 1],
    ['podman-compose version: 1.0.6\n[\'podman\', \'--version\', \'\']\nusing podman version: 4.9.3', '1.0.6', 1],
  ])('%j → %s', (text, version, major) => {
    expect(parseComposeVersion(text)).toEqual({ version, major });
  });

  it.each(['', 'unknown flag: --short', 'Docker version 28.2.2, build e6534b4'])('%j has no compose version', (text) => {
    expect(parseComposeVersion(text)).toBeUndefined();
  });

  it.each([
    ['2.29.1', 0],
    ['5.0.0', 0],
    ['3.0.0', 1],
  ])('Compose %s: %s warning(s)', (version, count) => {
    const parsed = parseComposeVersion(version);
    expect(parsed).toBeDefined();
    expect(composeVersionWarnings(['docker-compose'], parsed!)).toHaveLength(count);
  });

  it.each([
    [['docker-compose'], '1.29.2', true],
    [['docker', 'compose'], '1.29.2', true],
    [['docker-compose'], '2.27.0', false],
    // podman-compose numbers its own releases 1.x: another program, not Docker's old Compose.
    [['podman', 'compose'], '1.0.6', false],
  ])('%j %s is the old Compose 1.x: %s', (command, version, legacy) => {
    expect(isLegacyCompose(command, parseComposeVersion(version)!)).toBe(legacy);
  });
});

const postgresLine = {
  Name: 'myhost-postgres-1',
  Service: 'postgres',
  Project: 'myhost',
  State: 'running',
  Health: 'healthy',
  Status: 'Up 2 minutes (healthy)',
  ExitCode: 0,
  Publishers: [
    { URL: '0.0.0.0', TargetPort: 5432, PublishedPort: 15432, Protocol: 'tcp' },
    { URL: '::', TargetPort: 5432, PublishedPort: 15432, Protocol: 'tcp' },
  ],
};
const localstackExited = {
  Name: 'myhost-localstack-1',
  Service: 'localstack',
  State: 'exited',
  Health: '',
  Status: 'Exited (55) 3 seconds ago',
  ExitCode: 55,
  Publishers: [{ URL: '', TargetPort: 4566, PublishedPort: 0, Protocol: 'tcp' }],
};

describe('parseComposePs', () => {
  const expected = [
    {
      name: 'myhost-postgres-1',
      service: 'postgres',
      project: 'myhost',
      state: 'running',
      health: 'healthy',
      status: 'Up 2 minutes (healthy)',
      exitCode: 0,
      publishers: [
        { url: '0.0.0.0', targetPort: 5432, publishedPort: 15432, protocol: 'tcp' },
        { url: '::', targetPort: 5432, publishedPort: 15432, protocol: 'tcp' },
      ],
    },
    {
      name: 'myhost-localstack-1',
      service: 'localstack',
      state: 'exited',
      health: '',
      status: 'Exited (55) 3 seconds ago',
      exitCode: 55,
      publishers: [{ url: '', targetPort: 4566, publishedPort: 0, protocol: 'tcp' }],
    },
  ];

  it.each([
    ['one JSON array (<= 2.20)', JSON.stringify([postgresLine, localstackExited])],
    ['one object per line (>= 2.21)', `${JSON.stringify(postgresLine)}\n${JSON.stringify(localstackExited)}\n`],
    ['CRLF lines', `${JSON.stringify(postgresLine)}\r\n${JSON.stringify(localstackExited)}\r\n`],
  ])('reads %s', (_shape, stdout) => {
    expect(parseComposePs(stdout)).toEqual(expected);
  });

  it.each(['', '\n', '[]'])('reads %j as no containers', (stdout) => {
    expect(parseComposePs(stdout)).toEqual([]);
  });

  it('accepts Publishers: null and missing optional fields', () => {
    const [info] = parseComposePs(JSON.stringify({ Name: 'p-1', Service: 'postgres', State: 'created', Publishers: null }));
    expect(info).toEqual({ name: 'p-1', service: 'postgres', state: 'created', health: '', status: '', exitCode: 0, publishers: [] });
  });

  it.each([
    ['NAME   IMAGE   COMMAND', /Could not read the output of `compose ps --format json`.*began with: NAME/],
    ['{"Name": "x"', /Could not read/],
    ['{"Name":"x","State":"running"}', /Service/],
    ['{"a":1}', /Could not read/],
  ])('says clearly that %j is unreadable', (stdout, message) => {
    expect(() => parseComposePs(stdout)).toThrow(DatalayerError);
    expect(() => parseComposePs(stdout)).toThrow(message);
  });
});

describe('toServiceState', () => {
  it('keeps published ports once (IPv4 and IPv6) and drops unpublished ones', () => {
    const [postgres, localstack] = parseComposePs(JSON.stringify([postgresLine, localstackExited]));
    expect(toServiceState(postgres!, (service) => (service === 'postgres' ? 'postgres' : undefined))).toEqual({
      name: 'postgres',
      role: 'postgres',
      state: 'running',
      health: 'healthy',
      exitCode: 0,
      ports: [{ published: 15432, target: 5432 }],
      container: 'myhost-postgres-1',
    });
    expect(toServiceState(localstack!)).toEqual({
      name: 'localstack',
      state: 'exited',
      health: '',
      exitCode: 55,
      ports: [],
      container: 'myhost-localstack-1',
    });
  });

  it('sorts distinct published ports', () => {
    expect(
      publishedPorts([
        { url: '0.0.0.0', targetPort: 4571, publishedPort: 4571, protocol: 'tcp' },
        { url: '0.0.0.0', targetPort: 4566, publishedPort: 4566, protocol: 'tcp' },
        { url: '::', targetPort: 4566, publishedPort: 4566, protocol: 'tcp' },
      ]),
    ).toEqual([
      { published: 4566, target: 4566 },
      { published: 4571, target: 4571 },
    ]);
  });
});

describe('composeWarnings', () => {
  it.each([
    ['WARN[0000] The "FOO" variable is not set. Defaulting to a blank string.', ['The "FOO" variable is not set. Defaulting to a blank string.']],
    [
      'time="2025-01-01T10:00:00Z" level=warning msg="The \\"FOO\\" variable is not set. Defaulting to a blank string."\n Container x  Started',
      ['The "FOO" variable is not set. Defaulting to a blank string.'],
    ],
    ['time="2025-01-01T10:00:00Z" level=warning msg=short', ['short']],
    [' Container myhost-postgres-1  Started\n Network myhost_default  Created', []],
    ['WARN[0000] twice\nWARN[0001] twice', ['twice']],
  ])('%j → %j', (stderr, warnings) => {
    expect(composeWarnings(stderr)).toEqual(warnings);
  });
});

describe('parseContainerList', () => {
  it('reads docker lines with IPv4/IPv6 bindings and ranges, TCP only', () => {
    const stdout = [
      JSON.stringify({ Names: 'other-postgres-1', Ports: '0.0.0.0:5432->5432/tcp, :::5432->5432/tcp' }),
      JSON.stringify({ Names: 'range-1', Ports: '0.0.0.0:8000-8002->8000-8002/tcp, 0.0.0.0:53->53/udp' }),
      JSON.stringify({ Names: 'quiet-1', Ports: '5432/tcp' }),
    ].join('\n');
    expect(parseContainerList(stdout)).toEqual([
      { name: 'other-postgres-1', hostPorts: [5432] },
      { name: 'range-1', hostPorts: [8000, 8001, 8002] },
      { name: 'quiet-1', hostPorts: [] },
    ]);
  });

  it('reads the podman array shape', () => {
    const stdout = JSON.stringify([{ Names: ['pod-pg'], Ports: [{ host_ip: '', container_port: 5432, host_port: 15432, range: 2, protocol: 'tcp' }] }]);
    expect(parseContainerList(stdout)).toEqual([{ name: 'pod-pg', hostPorts: [15432, 15433] }]);
  });
});
