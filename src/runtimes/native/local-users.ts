import { readFileSync } from 'node:fs';

/**
 * Users and groups of the local files (/etc/passwd, /etc/group), read without a process: a cold
 * `up` as root looks up the server user before anything starts, and three `id` processes cost more
 * than the read. Users that only a directory service knows (LDAP, systemd's dynamic users) are not
 * in these files; the caller asks `id` for them.
 */
export interface LocalUserFiles {
  passwd: string;
  group: string;
}

export const SYSTEM_USER_FILES: LocalUserFiles = { passwd: '/etc/passwd', group: '/etc/group' };

export interface LocalUser {
  uid: number;
  gid: number;
  /** The primary group first, then every group that lists the user as a member (as `id -G` prints them). */
  groups: number[];
}

/** The user named `nameOrUid` (a name first, then a numeric uid, as `id` resolves it), or undefined. */
export function readLocalUser(nameOrUid: string, files: LocalUserFiles = SYSTEM_USER_FILES): LocalUser | undefined {
  const users = readRecords(files.passwd);
  if (!users) return undefined;
  const entry = users.find((fields) => fields[0] === nameOrUid) ?? (/^\d+$/.test(nameOrUid) ? users.find((fields) => fields[2] === nameOrUid) : undefined);
  if (!entry) return undefined;
  const [name = '', , uidText = '', gidText = ''] = entry;
  const uid = Number.parseInt(uidText, 10);
  const gid = Number.parseInt(gidText, 10);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  const groups = [gid];
  for (const fields of readRecords(files.group) ?? []) {
    const id = Number.parseInt(fields[2] ?? '', 10);
    const members = (fields[3] ?? '').split(',').map((member) => member.trim());
    if (Number.isInteger(id) && !groups.includes(id) && members.includes(name)) groups.push(id);
  }
  return { uid, gid, groups };
}

/** The colon-separated records of a file, comments and `+`/`-` compat lines left out; undefined when there is no such file. */
function readRecords(file: string): string[][] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^[#+-]/.test(line))
    .map((line) => line.split(':'));
}
