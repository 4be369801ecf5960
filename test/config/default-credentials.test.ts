import { afterEach, describe, expect, it } from 'vitest';
import { checkHost } from '../../src/config/check-host.js';
import { PUBLIC_DEFAULT_SECRETS, Redactor } from '../../src/report/redactor.js';
import { makeContext } from '../helpers/context.js';
import { makeHost, type HostFixture } from '../helpers/host-fixture.js';

/** An external data layer: a database elsewhere, the real S3. */
function externalEnv(password: string): string {
  return [
    'CHAINLIT_AUTH_SECRET=k3Jv9QmZpX2rT7wLbN4sYc8dHf6gAe1uRi5oWq0zVx',
    `DATABASE_URL=postgresql://app:${password}@db.example.com:5432/chainlit`,
    'BUCKET_NAME=attachments',
    'APP_AWS_ACCESS_KEY=AKIAEXAMPLEKEY',
    `APP_AWS_SECRET_KEY=${password}`,
    'APP_AWS_REGION=eu-central-1',
    '',
  ].join('\n');
}

describe('default secrets: one list for what check warns about and what the redactor leaves alone', () => {
  let host: HostFixture | undefined;
  afterEach(() => host?.cleanup());

  it.each([...PUBLIC_DEFAULT_SECRETS])('check warns when %s guards a remote database and S3, and the redactor does not mask it', async (secret) => {
    host = makeHost({ env: externalEnv(secret), compose: null });
    const check = await checkHost(makeContext(host.dir), {});
    const warned = check.diagnostics.filter((d) => d.code === 'ENV_DEFAULT_CREDENTIALS').map((d) => d.key);
    expect(warned).toEqual(['DATABASE_URL', 'APP_AWS_SECRET_KEY']);

    const redactor = new Redactor();
    redactor.add(secret);
    expect(redactor.redact(`password ${secret}`)).toBe(`password ${secret}`);
  });

  it('a password of its own draws no such warning', async () => {
    host = makeHost({ env: externalEnv('c7Vd2pQs9LmX4tRb'), compose: null });
    const check = await checkHost(makeContext(host.dir), {});
    expect(check.diagnostics.map((d) => d.code)).not.toContain('ENV_DEFAULT_CREDENTIALS');
  });
});
