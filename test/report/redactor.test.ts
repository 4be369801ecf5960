import { describe, expect, it } from 'vitest';
import { connectionStringPasswords, maskUrlPassword, Redactor } from '../../src/report/redactor.js';

describe('passwords in a database connection string', () => {
  it.each([
    ['the URL\'s own', 'postgresql://user:s3cret-pw@db:5432/app', ['s3cret-pw'], 'postgresql://user:****@db:5432/app'],
    ['an unencoded @ in it (as typed, and as the URL parser re-encodes it)', 'postgresql://user:p@ss-word@db/app', ['p@ss-word', 'p%40ss-word'], 'postgresql://user:****@db/app'],
    ['the password query parameter', 'postgresql://user@db/app?sslmode=require&password=q-secret', ['q-secret'], 'postgresql://user@db/app?sslmode=require&password=****'],
    ['the first query parameter', 'postgres://db/app?password=first-secret&user=u', ['first-secret'], 'postgres://db/app?password=****&user=u'],
    ['sslpassword', 'postgresql://u:pw-one@db/app?sslpassword=key-pass', ['pw-one', 'key-pass'], 'postgresql://u:****@db/app?sslpassword=****'],
    ['a percent-encoded query password', 'postgresql://u@db/app?password=a%20b%2Fc', ['a%20b%2Fc', 'a b/c'], 'postgresql://u@db/app?password=****'],
    ['keyword/value form', 'host=db port=5432 dbname=app user=u password=kw-secret', ['kw-secret'], 'host=db port=5432 dbname=app user=u password=****'],
    ['keyword/value, quoted with spaces', "host=db password = 'two words \\' quote' sslpassword=x-y-z", ["two words ' quote", 'x-y-z'], 'host=db password = **** sslpassword=****'],
  ])('%s', (_label, connection, passwords, masked) => {
    expect(connectionStringPasswords(connection).sort()).toEqual([...passwords].sort());
    expect(maskUrlPassword(connection)).toBe(masked);
  });

  it('a URL without a password is shown as it is', () => {
    for (const url of ['postgresql://user@db/app', 'postgresql://db/app?sslmode=require', 'host=db user=u']) {
      expect(connectionStringPasswords(url)).toEqual([]);
      expect(maskUrlPassword(url)).toBe(url);
    }
  });

  it('the redactor masks each of them wherever it appears, as typed or decoded', () => {
    const redactor = new Redactor();
    redactor.addConnectionString('postgresql://u@db/app?password=a%20b%2Fc&sslpassword=ssl-secret-1');
    redactor.addConnectionString("host=db password='kw two'");
    expect(redactor.redact('login as a b/c failed; ssl-secret-1 and kw two and a%20b%2Fc')).toBe('login as **** failed; **** and **** and ****');
  });
});
