import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLocalUser, type LocalUserFiles } from '../../src/runtimes/native/local-users.js';
import { lookUpUser } from '../../src/runtimes/native/system-user.js';
import { ProcessRunner } from '../../src/process/runner.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'datalayer-users-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function userFiles(passwd: string, group: string): LocalUserFiles {
  const dir = mkdtempSync(path.join(scratch, 'etc-'));
  const files = { passwd: path.join(dir, 'passwd'), group: path.join(dir, 'group') };
  writeFileSync(files.passwd, passwd);
  writeFileSync(files.group, group);
  return files;
}

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  '# a comment',
  'postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash',
  '1002:x:1003:1003::/home/digits:/bin/sh',
  '+@netgroup::::::',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'ssl-cert:x:103:postgres', 'postgres:x:104:', 'staff:x:50:alice, postgres', 'postgresql:x:77:postgresx', ''].join('\n');

describe('readLocalUser: a user and its groups from the local files, as id prints them', () => {
  it('a user by name: uid, primary gid first, then each group that lists it as a member', () => {
    expect(readLocalUser('postgres', userFiles(PASSWD, GROUP))).toEqual({ uid: 101, gid: 104, groups: [104, 103, 50] });
  });

  it('a numeric argument is a name first (like id), then a uid', () => {
    const files = userFiles(PASSWD, GROUP);
    expect(readLocalUser('1002', files)).toMatchObject({ uid: 1003 });
    expect(readLocalUser('101', files)).toMatchObject({ uid: 101, gid: 104 });
  });

  it('undefined for a user the files do not hold, and when there is no passwd file (id is asked instead)', () => {
    expect(readLocalUser('nobody-here', userFiles(PASSWD, GROUP))).toBeUndefined();
    expect(readLocalUser('postgres', { passwd: path.join(scratch, 'missing'), group: path.join(scratch, 'missing') })).toBeUndefined();
  });

  it('agrees with id for the user running the tests', async () => {
    const name = userInfo().username;
    const local = readLocalUser(name);
    const id = (flag: string) => execFileSync('id', [flag, name], { encoding: 'utf8' }).trim();
    const expected = { uid: Number(id('-u')), gid: Number(id('-g')), groups: id('-G').split(/\s+/).map(Number).sort() };
    // A user only a directory service knows is looked up with id: the same answer either way.
    const found = local ?? (await lookUpUser(new ProcessRunner(), name));
    expect({ ...found, groups: [...(found?.groups ?? [])].sort() }).toMatchObject(expected);
  });
});

describe('lookUpUser: no process for a user of the local files', () => {
  it('answers from the files without starting id', async () => {
    const files = userFiles(PASSWD, GROUP);
    const runs: string[] = [];
    const watched = new ProcessRunner((argv) => runs.push(argv.join(' ')));
    expect(await lookUpUser(watched, 'postgres', files)).toEqual({ name: 'postgres', uid: 101, gid: 104, groups: [104, 103, 50] });
    expect(runs).toEqual([]);
    // A name the files do not hold goes to id (which says no such user).
    expect(await lookUpUser(watched, 'no-such-user-datalayer', files)).toBeUndefined();
    expect(runs.some((run) => run.startsWith('id '))).toBe(true);
  });
});
