import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, NotReadyError } from '../../src/support/errors.js';
import { failedInitScripts, parseLocalstackHealth, parseLocalstackInit, s3IsUp } from '../../src/services/localstack/health.js';
import { waitForLocalstack } from '../../src/services/localstack/ready.js';
import { startFakeLocalstack, type FakeLocalstack } from '../helpers/fake-localstack.js';
import { freePort } from '../helpers/real-postgres.js';

describe('parseLocalstackHealth', () => {
  it.each([
    [{ services: { s3: 'running', sqs: 'disabled' }, edition: 'community', version: '4.12.0' }, { s3: 'running', edition: 'community', version: '4.12.0' }, true],
    [{ services: { s3: 'available' } }, { s3: 'available' }, true],
    [{ services: { s3: 'starting' } }, { s3: 'starting' }, false],
    [{ services: { s3: 'disabled' } }, { s3: 'disabled' }, false],
    [{ services: { sqs: 'running' } }, {}, false],
    [{ services: 'nonsense' }, {}, false],
    [null, {}, false],
    [[1, 2], {}, false],
  ])('%j', (body, expected, up) => {
    const health = parseLocalstackHealth(body);
    expect(health).toEqual(expected);
    expect(s3IsUp(health)).toBe(up);
  });
});

describe('parseLocalstackInit', () => {
  it.each([
    [{ completed: true, scripts: [] }, true, [], []],
    [
      { completed: false, scripts: [{ stage: 'READY', name: 'localstack-script.sh', state: 'RUNNING' }] },
      false,
      [{ stage: 'READY', name: 'localstack-script.sh', state: 'RUNNING' }],
      [],
    ],
    [
      { completed: true, scripts: [{ stage: 'READY', name: 'a.sh', state: 'SUCCESSFUL' }, { stage: 'READY', name: 'b.sh', state: 'ERROR' }] },
      true,
      [{ stage: 'READY', name: 'a.sh', state: 'SUCCESSFUL' }, { stage: 'READY', name: 'b.sh', state: 'ERROR' }],
      ['b.sh'],
    ],
    [{ completed: 'yes', scripts: [42, { name: 'x.sh' }] }, false, [{ stage: '', name: 'x.sh', state: '' }], []],
    ['not json object', false, [], []],
  ])('%j', (body, completed, scripts, failed) => {
    const init = parseLocalstackInit(body);
    expect(init).toEqual({ completed, scripts });
    expect(failedInitScripts(init)).toEqual(failed);
  });
});

describe('waitForLocalstack against a stand-in', () => {
  let fake: FakeLocalstack | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  it('waits for S3 to come up, then for the init scripts to complete', async () => {
    fake = await startFakeLocalstack({
      health: { services: { s3: 'starting' } },
      init: { completed: false, scripts: [{ stage: 'READY', name: 'localstack-script.sh', state: 'RUNNING' }] },
    });
    const state = fake.state;
    const reasons: string[] = [];
    const waiting = waitForLocalstack({
      endpoint: fake.endpoint,
      deadline: Date.now() + 10_000,
      intervalMs: 50,
      onWait: (reason) => {
        reasons.push(reason);
        if (reasons.length === 2) state.health = { services: { s3: 'running' }, version: '4.12.0' };
        if (reasons.length === 4) state.init = { completed: true, scripts: [{ stage: 'READY', name: 'localstack-script.sh', state: 'SUCCESSFUL' }] };
      },
    });
    expect(await waiting).toEqual({ version: '4.12.0', warnings: [] });
    expect(reasons).toEqual(['S3 service starting', 'S3 service starting', 'init scripts still running', 'init scripts still running']);
    const firstInit = fake.requests.indexOf('/_localstack/init/ready');
    expect(fake.requests.slice(0, firstInit).every((path) => path === '/_localstack/health')).toBe(true);
  });

  it('returns a warning, not a failure, when an init script failed', async () => {
    fake = await startFakeLocalstack({
      init: { completed: true, scripts: [{ stage: 'READY', name: 'localstack-script.sh', state: 'ERROR' }] },
    });
    const ready = await waitForLocalstack({ endpoint: fake.endpoint, deadline: Date.now() + 5_000 });
    expect(ready.warnings).toHaveLength(1);
    expect(ready.warnings[0]).toContain('localstack-script.sh');
  });

  it('treats a LocalStack without the init endpoint as ready', async () => {
    fake = await startFakeLocalstack({ initStatus: 404 });
    await expect(waitForLocalstack({ endpoint: fake.endpoint, deadline: Date.now() + 5_000 })).resolves.toMatchObject({ warnings: [] });
  });

  it('keeps waiting through error answers and gives up at the deadline with the last reason', async () => {
    fake = await startFakeLocalstack({ healthStatus: 503 });
    const error = await waitForLocalstack({ endpoint: fake.endpoint, deadline: Date.now() + 600, intervalMs: 100 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).message).toMatch(/^LocalStack at .* was not ready .*HTTP 503/);
  });

  it('fails at once when S3 is disabled in LocalStack (exit 3)', async () => {
    fake = await startFakeLocalstack({ health: { services: { s3: 'disabled' } } });
    await expect(waitForLocalstack({ endpoint: fake.endpoint, deadline: Date.now() + 30_000 })).rejects.toBeInstanceOf(ConfigError);
  });

  it('reports a refused connection while nothing listens', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const error = await waitForLocalstack({ endpoint, deadline: Date.now() + 500, intervalMs: 100 }).catch(
      (caught: unknown) => caught,
    );
    expect((error as NotReadyError).exitCode).toBe(5);
    expect((error as NotReadyError).message).toContain('connection refused');
  });

  it('stops when aborted', async () => {
    fake = await startFakeLocalstack({ health: { services: { s3: 'starting' } } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    await expect(
      waitForLocalstack({ endpoint: fake.endpoint, deadline: Date.now() + 30_000, signal: controller.signal }),
    ).rejects.toThrow('interrupted');
  });
});
