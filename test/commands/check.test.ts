import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/commands/check/index.js';
import { dataOf, jsonOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { invoke, jsonOutput, makeContext } from '../helpers/context.js';
import { FORK_LIKE_COMPOSE, makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';

const hosts: HostFixture[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.cleanup();
});

function host(env: string | undefined, compose?: string | null): HostFixture {
  const fixture = makeHost({ ...(env === undefined ? {} : { env }), ...(compose === undefined ? {} : { compose }) });
  hosts.push(fixture);
  return fixture;
}

/** Replaces the line that starts with `KEY=` in the seed block. */
function withLine(env: string, key: string, line: string): string {
  const pattern = new RegExp(`^${key}=.*$`, 'm');
  if (!pattern.test(env)) throw new Error(`fixture has no ${key}`);
  return env.replace(pattern, line);
}

/** 1-based line of `KEY=` or `# KEY=` in a fixture. */
function lineNumberOf(env: string, key: string): number {
  return env.split('\n').findIndex((line) => line.replace(/^#\s*/, '').startsWith(`${key}=`)) + 1;
}

interface JsonDiagnostic {
  severity: string;
  code: string;
  key?: string;
  line?: number;
  file?: string;
  message: string;
  hint?: string;
}

const diagnosticsOf = (doc: Record<string, unknown>) => doc.diagnostics as JsonDiagnostic[];

describe('datalayer check', () => {
  it('passes on the seed block with a real secret: state local, one JSON document', async () => {
    const fixture = host(seedEnv());
    // The LocalStack warning is for the Docker runtime: the one of this host's last `up`.
    recordRuntime(fixture, 'docker');
    const text = await runInProcess(['check'], { cwd: fixture.dir });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('configuration is valid');
    const run = await runInProcess(['check', '--json'], { cwd: fixture.dir });
    expect(run.exitCode).toBe(0);
    const doc = jsonOf(run);
    expect(doc).toMatchObject({ ok: true, command: 'check', exitCode: 0 });
    expect(dataOf(run)).toMatchObject({ state: 'local' });
    // The fork's image is :latest without a token: a warning, not an error.
    expect(diagnosticsOf(doc).map((d) => d.code)).toContain('COMPOSE_LOCALSTACK_LATEST');
    expect(diagnosticsOf(doc).filter((d) => d.severity === 'error')).toEqual([]);
  });

  const seed = seedEnv();
  const cases: Array<{ name: string; env: string; key: string; code: string; compose?: string; line?: number }> = [
    {
      name: "the seed's placeholder secret",
      env: withLine(seed, 'CHAINLIT_AUTH_SECRET', 'CHAINLIT_AUTH_SECRET=... # generate one'),
      key: 'CHAINLIT_AUTH_SECRET',
      code: 'ENV_SECRET_PLACEHOLDER',
    },
    {
      name: 'a password that differs from POSTGRES_PASSWORD',
      env: withLine(seed, 'DATABASE_URL', 'DATABASE_URL=postgresql://root:other@postgres:5432/postgres'),
      key: 'DATABASE_URL',
      code: 'ENV_DATABASE_URL_PASSWORD_MISMATCH',
    },
    {
      name: 'host postgres with port 5433',
      env: withLine(seed, 'DATABASE_URL', 'DATABASE_URL=postgresql://root:root@postgres:5433/postgres'),
      key: 'DATABASE_URL',
      code: 'ENV_DATABASE_URL_CONTAINER_PORT',
    },
    {
      name: 'POSTGRES_PORT=70000',
      env: withLine(seed, 'POSTGRES_PORT', 'POSTGRES_PORT=70000'),
      key: 'POSTGRES_PORT',
      code: 'ENV_PORT_INVALID',
    },
    {
      name: 'BUCKET_NAME=My_Bucket',
      env: withLine(seed, 'BUCKET_NAME', 'BUCKET_NAME=My_Bucket'),
      key: 'BUCKET_NAME',
      code: 'ENV_BUCKET_NAME_INVALID',
    },
    {
      name: 'only two of the three APP_AWS_*',
      env: withLine(seed, 'APP_AWS_SECRET_KEY', '# APP_AWS_SECRET_KEY=random-key'),
      key: 'APP_AWS_SECRET_KEY',
      code: 'ENV_S3_INCOMPLETE',
      // The missing key has no line of its own: the diagnostic points at the first S3 key present.
      line: lineNumberOf(seed, 'APP_AWS_ACCESS_KEY'),
    },
    {
      name: 'S3 and Azure both configured',
      env: `${seed}APP_AZURE_STORAGE_ACCOUNT=acct\nAPP_AZURE_STORAGE_ACCESS_KEY=azkey-0123456789\n`,
      key: 'APP_AZURE_STORAGE_ACCOUNT',
      code: 'ENV_STORAGE_CONFLICT',
    },
    {
      name: 'CHAINLIT_DATALAYER_COMPOSE pointing at a missing file',
      env: withLine(seed, 'CHAINLIT_DATALAYER_COMPOSE', 'CHAINLIT_DATALAYER_COMPOSE=extern/nowhere/compose.yaml'),
      key: 'CHAINLIT_DATALAYER_COMPOSE',
      code: 'COMPOSE_FILE_MISSING',
    },
    {
      name: 'a compose file that is not valid YAML',
      env: seed,
      compose: 'services:\n  postgres:\n    image: [postgres\n',
      key: 'CHAINLIT_DATALAYER_COMPOSE',
      code: 'COMPOSE_FILE_INVALID',
      line: -1,
    },
    {
      name: 'an unterminated quote',
      env: withLine(seed, 'POSTGRES_DB', 'POSTGRES_DB="postgres'),
      key: 'POSTGRES_DB',
      code: 'ENV_SYNTAX',
    },
    {
      name: 'DEV_AWS_ENDPOINT=not a url',
      env: withLine(seed, 'DEV_AWS_ENDPOINT', 'DEV_AWS_ENDPOINT=not a url'),
      key: 'DEV_AWS_ENDPOINT',
      code: 'ENV_ENDPOINT_INVALID',
    },
    {
      name: '${POSTGRES_USER:?must be set} with POSTGRES_USER unset',
      env: withLine(
        withLine(seed, 'POSTGRES_USER', '# POSTGRES_USER=root'),
        'DATABASE_URL',
        'DATABASE_URL=postgresql://${POSTGRES_USER:?must be set}:root@postgres:5432/postgres',
      ),
      key: 'DATABASE_URL',
      code: 'ENV_REQUIRED_VARIABLE',
    },
    {
      name: 'a line break in POSTGRES_PASSWORD (initdb would keep only "line1")',
      env: withLine(seed, 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD="line1\\nline2"'),
      key: 'POSTGRES_PASSWORD',
      code: 'ENV_VALUE_LINE_BREAK',
    },
    {
      name: 'POSTGRES_PORT equal to LOCALSTACK_PORT',
      env: withLine(seed, 'LOCALSTACK_PORT', 'LOCALSTACK_PORT=5432'),
      key: 'LOCALSTACK_PORT',
      code: 'ENV_PORT_CONFLICT',
    },
    {
      name: 'a port below 1024 for the unprivileged native Postgres',
      env: `${withLine(seed, 'POSTGRES_PORT', 'POSTGRES_PORT=80')}DATALAYER_RUNTIME=native\n`,
      key: 'POSTGRES_PORT',
      code: 'ENV_PORT_PRIVILEGED',
    },
    {
      name: 'POSTGRES_USER starting with pg_ (a reserved role name)',
      env: withLine(withLine(seed, 'POSTGRES_USER', 'POSTGRES_USER=pg_admin'), 'DATABASE_URL', 'DATABASE_URL=postgresql://pg_admin:root@postgres:5432/postgres'),
      key: 'POSTGRES_USER',
      code: 'ENV_POSTGRES_USER_RESERVED',
    },
    {
      name: 'POSTGRES_USER with a double quote',
      env: withLine(seed, 'POSTGRES_USER', `POSTGRES_USER='a"b'`),
      key: 'POSTGRES_USER',
      code: 'ENV_POSTGRES_USER_INVALID',
    },
    {
      name: 'a password with "%" copied into DATABASE_URL without percent-encoding',
      env: withLine(withLine(seed, 'POSTGRES_PASSWORD', 'POSTGRES_PASSWORD=p%41ss'), 'DATABASE_URL', 'DATABASE_URL=postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}'),
      key: 'DATABASE_URL',
      code: 'ENV_DATABASE_URL_NOT_ENCODED',
    },
    {
      name: 'CHAINLIT_DATALAYER_COMPOSE naming a directory',
      env: withLine(seed, 'CHAINLIT_DATALAYER_COMPOSE', 'CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer'),
      key: 'CHAINLIT_DATALAYER_COMPOSE',
      code: 'COMPOSE_FILE_INVALID',
    },
  ];

  // The rule table runs in-process (the same command, options and reporter as the CLI); the
  // process boundary of `check` is covered by the tests around it.
  for (const testCase of cases) {
    it(`exits 3 naming the key and the line: ${testCase.name}`, async () => {
      const fixture = host(testCase.env, testCase.compose);
      const context = makeContext(fixture.dir, { json: true });
      expect(await invoke(checkCommand, {}, context)).toBe(3);
      const doc = jsonOutput(context);
      expect(doc.ok).toBe(false);
      const diagnostic = diagnosticsOf(doc).find((d) => d.code === testCase.code);
      expect(diagnostic, JSON.stringify(doc.diagnostics, null, 2)).toBeDefined();
      expect(diagnostic!.severity).toBe('error');
      expect(diagnostic!.key).toBe(testCase.key);
      expect(diagnostic!.hint).toBeTruthy();
      if (testCase.line === undefined) {
        expect(diagnostic!.line).toBe(lineNumberOf(testCase.env, testCase.key));
        expect(diagnostic!.file).toBe('.env');
      } else if (testCase.line > 0) {
        expect(diagnostic!.line).toBe(testCase.line);
      } else {
        expect(diagnostic!.file).toBe('extern/chainlit-datalayer/compose.yaml');
        expect(diagnostic!.line).toBeGreaterThan(0);
      }
      const text = makeContext(fixture.dir);
      expect(await invoke(checkCommand, {}, text)).toBe(3);
      expect(text.output.stdout() + text.output.stderr()).toContain(testCase.key);
    });
  }

  it('is disabled (exit 0) when CHAINLIT_DATALAYER_COMPOSE and DATABASE_URL are commented out', async () => {
    const env = withLine(
      withLine(seed, 'CHAINLIT_DATALAYER_COMPOSE', '# CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml'),
      'DATABASE_URL',
      '# DATABASE_URL=postgresql://root:root@postgres:5432/postgres',
    );
    const run = await runInProcess(['check', '--json'], { cwd: host(env).dir });
    expect(run.exitCode).toBe(0);
    expect(jsonOf(run)).toMatchObject({ ok: true });
    expect(dataOf(run)).toMatchObject({ state: 'disabled' });
  });

  it('is external when only CHAINLIT_DATALAYER_COMPOSE is commented out', async () => {
    const env = withLine(seed, 'CHAINLIT_DATALAYER_COMPOSE', '# CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml');
    const run = await runInProcess(['check', '--json'], { cwd: host(env).dir });
    expect(dataOf(run)).toMatchObject({ state: 'external' });
  });

  it('warns that the stack creates no other bucket only when LocalStack has the init script that creates my-bucket', async () => {
    const env = seed.replace('BUCKET_NAME=my-bucket', 'BUCKET_NAME=chainlit-files');
    const scripted = host(env);
    recordRuntime(scripted, 'docker');
    const withScript = jsonOf(await runInProcess(['check', '--json'], { cwd: scripted.dir }));
    expect(diagnosticsOf(withScript).map((d) => d.code)).toContain('BUCKET_NOT_CREATED_BY_STACK');
    const noScript = FORK_LIKE_COMPOSE.replace(/^\s+- "\.\/localstack-script\.sh:.*$\n/m, '');
    expect(noScript).not.toContain('localstack-script');
    const plain = host(env, noScript);
    recordRuntime(plain, 'docker');
    const without = jsonOf(await runInProcess(['check', '--json'], { cwd: plain.dir }));
    expect(diagnosticsOf(without).map((d) => d.code)).not.toContain('BUCKET_NOT_CREATED_BY_STACK');
  });

  it('external state with DATABASE_URL on the compose host "postgres" is warned: nothing starts it', async () => {
    const env = withLine(seed, 'CHAINLIT_DATALAYER_COMPOSE', '# CHAINLIT_DATALAYER_COMPOSE=extern/chainlit-datalayer/compose.yaml');
    const doc = jsonOf(await runInProcess(['check', '--json'], { cwd: host(env).dir }));
    const warning = diagnosticsOf(doc).find((d) => d.code === 'ENV_DATABASE_URL_COMPOSE_HOST');
    expect(warning).toMatchObject({ severity: 'warning', key: 'DATABASE_URL', line: lineNumberOf(env, 'DATABASE_URL') });
    const elsewhere = withLine(env, 'DATABASE_URL', 'DATABASE_URL=postgresql://root:root@db.internal:5432/postgres');
    const other = jsonOf(await runInProcess(['check', '--json'], { cwd: host(elsewhere).dir }));
    expect(diagnosticsOf(other).map((d) => d.code)).not.toContain('ENV_DATABASE_URL_COMPOSE_HOST');
  });

  it('COMPOSE_LOCALSTACK_LATEST: a token in .env that the compose file does not pass on is no way out; one it passes is', async () => {
    const withToken = `${seed}LOCALSTACK_AUTH_TOKEN=ls-token-for-check\n`;
    const unpassed = diagnosticsOf(jsonOf(await runInProcess(['check', '--json'], { cwd: host(withToken).dir }))).find((d) => d.code === 'COMPOSE_LOCALSTACK_LATEST');
    expect(unpassed?.message).toContain('LOCALSTACK_AUTH_TOKEN in .env is not passed to it by this file');
    expect(unpassed?.hint).toContain('docker tag localstack/localstack:4.12 localstack/localstack:latest');
    expect(unpassed?.hint).toContain('--runtime native');
    const passing = FORK_LIKE_COMPOSE.replace('SERVICES: s3', 'SERVICES: s3\n      LOCALSTACK_AUTH_TOKEN: ${LOCALSTACK_AUTH_TOKEN:-}');
    const passed = diagnosticsOf(jsonOf(await runInProcess(['check', '--json'], { cwd: host(withToken, passing).dir })));
    expect(passed.map((d) => d.code)).not.toContain('COMPOSE_LOCALSTACK_LATEST');
  });

  it('a list used as a mapping key in the compose file: a warning at its line, and nothing printed by the YAML reader', async () => {
    const compose = FORK_LIKE_COMPOSE.replace('      SERVICES: s3\n', '      SERVICES: s3\n      ? [a, b]\n      : x\n');
    expect(compose).toContain('? [a, b]');
    const run = await runInProcess(['check', '--json'], { cwd: host(seed, compose).dir });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stderr).toBe('');
    const warning = diagnosticsOf(jsonOf(run)).find((d) => d.code === 'COMPOSE_YAML_KEY');
    expect(warning).toMatchObject({ severity: 'warning', file: 'extern/chainlit-datalayer/compose.yaml', line: compose.split('\n').findIndex((l) => l.includes('? [a, b]')) + 1 });
  });

  it('--strict turns warnings into errors', async () => {
    const fixture = host(seed);
    recordRuntime(fixture, 'docker');
    const run = await runInProcess(['check', '--strict', '--json'], { cwd: fixture.dir });
    expect(run.exitCode).toBe(3);
    const errors = diagnosticsOf(jsonOf(run)).filter((d) => d.severity === 'error').map((d) => d.code);
    expect(errors).toContain('COMPOSE_LOCALSTACK_LATEST');
  });

  it('a missing .env is an error with the init hint', async () => {
    const run = await runInProcess(['check', '--json'], { cwd: host(undefined).dir });
    expect(run.exitCode).toBe(3);
    const diagnostic = diagnosticsOf(jsonOf(run)).find((d) => d.code === 'ENV_FILE_MISSING');
    expect(diagnostic?.hint).toContain('datalayer init');
  });

  it('--cwd that does not exist is a usage error (exit 2)', async () => {
    const run = await runInProcess(['check', '--cwd', '/nonexistent/datalayer-host', '--json']);
    expect(run.exitCode).toBe(2);
    expect(jsonOf(run)).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('an unknown option is a usage error (exit 2)', async () => {
    const run = await runInProcess(['check', '--frobnicate']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--frobnicate');
    expect(run.stderr).toContain('Run `datalayer check --help` for usage.');
  });

  it('a missing argument or an unknown command names the help that shows the usage', async () => {
    const missing = await runInProcess(['restore']);
    expect([missing.exitCode, missing.stderr]).toEqual([2, "error: missing required argument 'file'\nRun `datalayer restore --help` for usage."]);
    const unknown = await runInProcess(['stat']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Run `datalayer --help` for usage.');
  });

  it('never prints a secret of the fixture, in text or JSON, even in failing diagnostics', async () => {
    const secrets = {
      auth: 'Zq8sW1xE4rT7yU0iO3pA6sD9fG2hJ5kL',
      password: 'pw-9f8e7d6c5b4a',
      accessKey: 'AKIAUNIQUE1234567',
      secretKey: 'sk-unique-0a1b2c3d4e5f',
    };
    const env = seedEnv({ secret: secrets.auth })
      .replace('POSTGRES_PASSWORD=root', `POSTGRES_PASSWORD=${secrets.password}`)
      .replace(/^DATABASE_URL=.*$/m, `DATABASE_URL=postgresql://root:${secrets.password}@db.example.net:5433/postgres`)
      .replace('APP_AWS_ACCESS_KEY=random-key', `APP_AWS_ACCESS_KEY=${secrets.accessKey}`)
      .replace('APP_AWS_SECRET_KEY=random-key', `APP_AWS_SECRET_KEY=${secrets.secretKey}`)
      .replace('CHAINLIT_AUTH_SECRET=', `CHAINLIT_AUTH_SECRET=${secrets.auth}\nCHAINLIT_AUTH_SECRET=`)
      .replace('POSTGRES_DB=postgres', `POSTGRES_DB="${secrets.password}`);
    const fixture = host(env);
    for (const args of [['check'], ['check', '--json'], ['check', '--verbose'], ['check', '--strict', '--json']]) {
      const run = await runInProcess(args, { cwd: fixture.dir });
      expect(run.exitCode).toBe(3);
      for (const secret of Object.values(secrets)) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
    }
  });
});

describe('check on a .env whose references double a value on every line', () => {
  it('exits 3 with ENV_VALUE_TOO_LONG at the key and line, instead of running out of memory', async () => {
    const lines = ['K0=abcdefghijklmnopqrstuvwxyz', ...Array.from({ length: 25 }, (_, i) => `K${i + 1}=\${K${i}}\${K${i}}`)];
    const fixture = host(`${seedEnv()}${lines.join('\n')}\n`);
    const offset = seedEnv().split('\n').length - 1;
    const run = await runInProcess(['check', '--json'], { cwd: fixture.dir });
    expect(run.exitCode, run.stderr).toBe(3);
    const found = diagnosticsOf(jsonOf(run)).find((d) => d.code === 'ENV_VALUE_TOO_LONG');
    expect(found).toMatchObject({ severity: 'error', key: 'K12', line: offset + 13, file: '.env' });
    expect(found?.hint).toBeDefined();
  });
});

/** A host whose last `up` used this runtime: `auto` keeps it, so check judges for it. */
function recordRuntime(fixture: HostFixture, runtime: 'docker' | 'native'): void {
  mkdirSync(path.join(fixture.dir, '.datalayer'), { recursive: true });
  writeFileSync(path.join(fixture.dir, '.datalayer', 'runtime.json'), JSON.stringify({ runtime, since: new Date().toISOString() }));
}

describe('check judges for the runtime in use', () => {
  const otherBucket = seedEnv().replace('BUCKET_NAME=my-bucket', 'BUCKET_NAME=chainlit-files');
  const composeLines = FORK_LIKE_COMPOSE.split('\n');

  it('native: no LocalStack :latest nor init-script bucket warning, so check --strict passes on the fork-shaped files', async () => {
    for (const setup of [
      (fixture: HostFixture) => fixture.write('.env', `${otherBucket}DATALAYER_RUNTIME=native\n`),
      (fixture: HostFixture) => recordRuntime(fixture, 'native'),
    ]) {
      const fixture = host(otherBucket);
      setup(fixture);
      const run = await runInProcess(['check', '--strict', '--json'], { cwd: fixture.dir });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(diagnosticsOf(jsonOf(run))).toEqual([]);
      expect(dataOf(run)).toMatchObject({ runtime: 'native' });
    }
  });

  it("docker: the LocalStack warning names the compose file and the image's line", async () => {
    const fixture = host(otherBucket);
    recordRuntime(fixture, 'docker');
    const run = await runInProcess(['check', '--json'], { cwd: fixture.dir });
    const found = diagnosticsOf(jsonOf(run));
    expect(found.find((d) => d.code === 'COMPOSE_LOCALSTACK_LATEST')).toMatchObject({
      file: 'extern/chainlit-datalayer/compose.yaml',
      line: composeLines.findIndex((l) => l.includes('localstack/localstack:latest')) + 1,
    });
    expect(found.find((d) => d.code === 'BUCKET_NOT_CREATED_BY_STACK')).toMatchObject({ file: '.env', line: lineNumberOf(otherBucket, 'BUCKET_NAME') });
    expect(dataOf(run)).toMatchObject({ runtime: 'docker' });
  });

  it("the data-layer service's postgres:${POSTGRES_PORT}: a warning at its line when POSTGRES_PORT is not 5432", async () => {
    const env = withLine(seedEnv(), 'POSTGRES_PORT', 'POSTGRES_PORT=5433');
    const fixture = host(env);
    recordRuntime(fixture, 'docker');
    const warning = diagnosticsOf(jsonOf(await runInProcess(['check', '--json'], { cwd: fixture.dir }))).find((d) => d.code === 'COMPOSE_DATABASE_URL_CONTAINER_PORT');
    expect(warning).toMatchObject({
      severity: 'warning',
      file: 'extern/chainlit-datalayer/compose.yaml',
      line: composeLines.findIndex((l) => l.includes('- DATABASE_URL=')) + 1,
      key: 'POSTGRES_PORT',
    });
    expect(warning?.message).toContain(`.env:${lineNumberOf(env, 'POSTGRES_PORT')}`);
    const at5432 = host(seedEnv());
    recordRuntime(at5432, 'docker');
    const quiet = diagnosticsOf(jsonOf(await runInProcess(['check', '--json'], { cwd: at5432.dir })));
    expect(quiet.map((d) => d.code)).not.toContain('COMPOSE_DATABASE_URL_CONTAINER_PORT');
  });
});

describe('compose files as Compose reads them', () => {
  it('a file with only include: is accepted; the services come from the included file, findings point into it', async () => {
    const fixture = host(seedEnv(), 'include:\n  - stack/services.yaml\n');
    fixture.write('extern/chainlit-datalayer/stack/services.yaml', FORK_LIKE_COMPOSE);
    recordRuntime(fixture, 'docker');
    const run = await runInProcess(['check', '--json'], { cwd: fixture.dir });
    expect(run.exitCode, run.stdout).toBe(0);
    const found = diagnosticsOf(jsonOf(run));
    expect(found.map((d) => d.code)).not.toContain('COMPOSE_FILE_INVALID');
    expect(found.find((d) => d.code === 'COMPOSE_LOCALSTACK_LATEST')).toMatchObject({
      file: 'extern/chainlit-datalayer/stack/services.yaml',
      line: FORK_LIKE_COMPOSE.split('\n').findIndex((l) => l.includes('localstack/localstack:latest')) + 1,
    });
  });

  it('an include that is missing is an error at its line', async () => {
    const run = await runInProcess(['check', '--json'], { cwd: host(seedEnv(), 'include:\n  - nowhere.yaml\n').dir });
    expect(run.exitCode).toBe(3);
    expect(diagnosticsOf(jsonOf(run)).find((d) => d.code === 'COMPOSE_FILE_INVALID')).toMatchObject({ line: 2, message: expect.stringContaining('nowhere.yaml') });
  });

  it('${X:?message} with X unset: Compose stops with the message (an error at its line), no "empty string" warning', async () => {
    const compose = FORK_LIKE_COMPOSE.replace('      SERVICES: s3\n', '      SERVICES: s3\n      TOKEN: ${DL_TOKEN_FOR_TEST:?set the token first}\n');
    const run = await runInProcess(['check', '--json'], { cwd: host(seedEnv(), compose).dir });
    expect(run.exitCode).toBe(3);
    const found = diagnosticsOf(jsonOf(run));
    expect(found.find((d) => d.code === 'COMPOSE_INTERPOLATION')).toMatchObject({
      severity: 'error',
      line: compose.split('\n').findIndex((l) => l.includes('DL_TOKEN_FOR_TEST')) + 1,
      message: expect.stringContaining('set the token first'),
    });
    expect(found.filter((d) => d.code === 'COMPOSE_VARIABLE_UNDEFINED' && d.message.includes('DL_TOKEN_FOR_TEST'))).toEqual([]);
  });
});

describe('where a value comes from', () => {
  it('a DATABASE_URL exported in the shell: the findings say so, not ".env"', async () => {
    const fixture = host(seedEnv());
    const run = await runInProcess(['check', '--json'], { cwd: fixture.dir, env: { DATABASE_URL: 'postgresql://app:pw@localhost:5999/appdb' } });
    expect(run.exitCode).toBe(3);
    const mismatch = diagnosticsOf(jsonOf(run)).find((d) => d.code === 'ENV_DATABASE_URL_USER_MISMATCH') as JsonDiagnostic & { origin?: string };
    expect(mismatch).toMatchObject({ origin: 'shell', key: 'DATABASE_URL', message: expect.stringContaining('shell environment') });
    expect(mismatch.file).toBeUndefined();
    const text = await runInProcess(['up'], { cwd: fixture.dir, env: { DATABASE_URL: 'postgresql://app:pw@localhost:5999/appdb' } });
    expect(text.exitCode).toBe(3);
    expect(text.stderr).toContain('shell environment');
    expect(text.stderr).not.toMatch(/error: \.env has/);
  });
});
