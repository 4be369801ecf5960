import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { formatEnvOutput } from '../../src/commands/status/env-output.js';
import { parseEnvDocument } from '../../src/config/env/parse.js';
import { resolveEnvDocument } from '../../src/config/env/resolve.js';
import { cliEntry, jsonOf } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-in-process.js';
import { makeHost, seedEnv, type HostFixture } from '../helpers/host-fixture.js';

/** Values that break naive quoting: blanks, both quotes, `$`, a backslash, a line break, non-ASCII. */
const AWKWARD: Array<[string, string]> = [
  ['PLAIN', 'postgresql://root:pw@localhost:5432/postgres'],
  ['SPACES', '  two words  '],
  ['QUOTES', `it's "quoted"`],
  ['DOLLAR', 'a$HOME${PATH}`id`$(id)'],
  ['BACKSLASH', 'C:\\path\\n'],
  ['LINES', 'line one\nline two'],
  ['HASH', 'value #not a comment'],
  ['UNICODE', 'clé-é✓'],
];

/** What a child process sees of these keys after the shell evaluated `text`. */
function childEnvironmentAfterEval(text: string, keys: string[]): Record<string, string | undefined> {
  const script = `eval "$DATALAYER_LINES" && node -e 'const keys = process.argv.slice(1); process.stdout.write(JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k]]))))' "$@"`;
  const output = execFileSync('bash', ['-c', script, 'bash', ...keys], { env: { PATH: process.env.PATH, DATALAYER_LINES: text }, encoding: 'utf8' });
  return JSON.parse(output) as Record<string, string | undefined>;
}

describe('status -o env|dotenv|github: the forms other programs read back exactly', () => {
  it('env: export lines, so that eval hands every value unchanged to a child process', () => {
    const text = formatEnvOutput(AWKWARD, 'env');
    expect(text.split('\n')[0]).toBe('export PLAIN=postgresql://root:pw@localhost:5432/postgres');
    expect(childEnvironmentAfterEval(text, AWKWARD.map(([key]) => key))).toEqual(Object.fromEntries(AWKWARD));
  });

  it('dotenv: read back by an env-file reader (as Compose reads it) to the same values, nothing expanded', () => {
    const text = formatEnvOutput(AWKWARD, 'dotenv');
    const resolved = resolveEnvDocument(parseEnvDocument(text), {});
    expect(resolved.issues).toEqual([]);
    expect(resolved.values).toEqual(Object.fromEntries(AWKWARD));
    expect(text.split('\n')[0]).toBe('PLAIN=postgresql://root:pw@localhost:5432/postgres');
  });

  it("github: KEY=value as $GITHUB_ENV takes it, and the delimiter block for a value over several lines", () => {
    expect(formatEnvOutput([['DATABASE_URL', "postgresql://u:p'w@localhost:5432/db"]], 'github')).toBe("DATABASE_URL=postgresql://u:p'w@localhost:5432/db\n");
    const block = formatEnvOutput([['LINES', 'line one\nline two']], 'github');
    const match = /^LINES<<(DATALAYER_EOF_[0-9a-f]{16})\nline one\nline two\n(\S+)\n$/.exec(block);
    expect(match?.[1]).toBeDefined();
    expect(match?.[2]).toBe(match?.[1]);
  });
});

describe('datalayer status -o env on a host', () => {
  const hosts: HostFixture[] = [];
  afterEach(() => {
    for (const host of hosts.splice(0)) host.cleanup();
  });

  it('eval "$(datalayer status -o env)" exports the host-side values to the commands run next', () => {
    const host = makeHost({ env: seedEnv() });
    hosts.push(host);
    // Nothing runs: status exits 5, but the lines are what the configuration says.
    const script = `eval "$(node "$DATALAYER_CLI" status -o env)" && node -e 'process.stdout.write(JSON.stringify({ url: process.env.DATABASE_URL, endpoint: process.env.DEV_AWS_ENDPOINT, bucket: process.env.BUCKET_NAME }))'`;
    const output = execFileSync('bash', ['-c', script], { cwd: host.dir, env: { PATH: process.env.PATH, CI: 'true', DATALAYER_CLI: cliEntry }, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ url: 'postgresql://root:root@localhost:5432/postgres', endpoint: 'http://localhost:4566', bucket: 'my-bucket' });
  });

  it('-o dotenv and -o github print KEY=value lines', async () => {
    const host = makeHost({ env: seedEnv() });
    hosts.push(host);
    for (const format of ['dotenv', 'github']) {
      const run = await runInProcess(['status', '-o', format], { cwd: host.dir });
      expect(run.stdout.split('\n')).toContain('DATABASE_URL=postgresql://root:root@localhost:5432/postgres');
    }
  });

  it('-o env with --json is a usage error: one document, no lines beside it', async () => {
    const host = makeHost({ env: seedEnv() });
    hosts.push(host);
    const run = await runInProcess(['status', '-o', 'env', '--json'], { cwd: host.dir });
    expect(run.exitCode).toBe(2);
    expect(jsonOf(run)).toMatchObject({ command: 'status', ok: false, exitCode: 2, error: { message: expect.stringContaining('-o env') } });
    expect(run.stdout).not.toContain('DATABASE_URL=');
  });
});
