import { spawnSync } from 'node:child_process';
import { chownSync, readdirSync, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEntry, dataOf, jsonOf, type CliRun } from '../helpers/cli.js';
import { makeNativeProject, processesWorkingIn } from '../helpers/native-processes.js';
import type { NativeHost } from '../reliability/native-host.js';

const NOBODY = 65534;
const asNobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--'];
/** Root can switch users, and the unprivileged user can run this checkout's CLI (not under a 0700 directory). */
const canSwitch =
  process.getuid?.() === 0 && spawnSync(asNobody[0]!, [...asNobody.slice(1), process.execPath, cliEntry, '--version'], { stdio: 'ignore' }).status === 0;

function chownTree(target: string, uid: number, gid: number): void {
  chownSync(target, uid, gid);
  if (!lstatSync(target).isDirectory()) return;
  for (const entry of readdirSync(target)) chownTree(path.join(target, entry), uid, gid);
}

/** Every path under `dir` whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    if (lstatSync(current).uid !== uid) found.push(current);
    if (!lstatSync(current).isDirectory()) return;
    for (const entry of readdirSync(current)) walk(path.join(current, entry));
  };
  walk(dir);
  return found;
}

/** The real uid of a process, from /proc; undefined once it has ended (Postgres' workers come and go). */
function uidOf(pid: number): number | undefined {
  try {
    return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw error;
  }
}

/**
 * Root and an unprivileged user in the same project, in either order: the project stays usable by
 * its owner, and where it cannot be (a `.datalayer/` root made for its own servers), datalayer
 * refuses with the exact way out (exit 4), never exit 1.
 */
// Each test runs several cold native stacks as two users: minutes on a busy two-core machine,
// where a bug shows as an exit code or an owner, not as slowness.
describe.runIf(canSwitch)('root and an unprivileged user in one project', { timeout: 240_000 }, () => {
  let native: NativeHost | undefined;
  const user = async (args: string[]): Promise<CliRun> => {
    const run = await execa(asNobody[0]!, [...asNobody.slice(1), process.execPath, cliEntry, ...args], {
      cwd: native!.host.dir,
      env: { ...native!.env, CI: 'true', HOME: path.dirname(native!.host.dir) },
      reject: false,
      stdin: 'ignore',
      timeout: 120_000,
    });
    return { exitCode: run.exitCode ?? -1, stdout: String(run.stdout), stderr: String(run.stderr) };
  };
  const root = (args: string[]) => native!.cli(args);
  const servers = () => processesWorkingIn(path.join(native!.stateDir, 'native'));
  /** The users the servers (and Postgres' own helper processes) run as; both servers at least. */
  const serverUids = () => {
    const pids = servers();
    expect(pids.length).toBeGreaterThanOrEqual(2);
    return [...new Set(pids.map(uidOf).filter((uid) => uid !== undefined))];
  };
  const expectOk = (run: CliRun) => expect(run.exitCode, run.stdout + run.stderr).toBe(0);

  /** A project that belongs to nobody (cloned and set up by that user). */
  async function nobodysProject(tag: string): Promise<NativeHost> {
    native = await makeNativeProject(tag);
    chownTree(native.host.dir, NOBODY, NOBODY);
    return native;
  }

  afterEach(async () => {
    if (!native) return;
    await root(['down']);
    await native.cleanup();
    native = undefined;
  });

  it('first run by the user, then root: status, up and down as root, and the project is still the user\'s', async () => {
    await nobodysProject('user-first');
    expectOk(await user(['up']));
    expect(serverUids()).toEqual([NOBODY]);
    expectOk(await root(['status']));
    expectOk(await root(['up']));
    expectOk(await root(['down']));
    expectOk(await user(['up']));
    expectOk(await user(['status']));
    expectOk(await root(['down']));
    // Root starting the user's stack runs its servers as the user, on the user's data.
    expectOk(await root(['up']));
    expect(serverUids()).toEqual([NOBODY]);
    expectOk(await user(['status']));
    // Servers root started for the user are the user's to stop.
    expectOk(await user(['down']));
    expect(servers()).toEqual([]);
    expect(notOwnedBy(native!.stateDir, NOBODY)).toEqual([]);
  });

  it('first run by root in the user\'s project: everything it made is the user\'s, who then uses it alone', async () => {
    await nobodysProject('root-first');
    expectOk(await root(['up']));
    expect(serverUids()).toEqual([NOBODY]);
    expect(notOwnedBy(native!.stateDir, NOBODY)).toEqual([]);
    expectOk(await user(['status']));
    expectOk(await user(['down']));
    expect(servers()).toEqual([]);
    expectOk(await user(['up']));
  });

  it('a .datalayer/ root made for its own servers: the user gets exit 4 with the way out, and the way out works', async () => {
    // As an earlier version left it after `sudo datalayer up` (servers as postgres, .datalayer root's).
    native = await makeNativeProject('root-made');
    expectOk(await root(['up']));
    expectOk(await root(['down']));
    chownTree(native.host.dir, NOBODY, NOBODY);
    chownTree(native.stateDir, 0, 0);
    for (const run of [await user(['status', '--json']), await user(['up', '--json']), await user(['down', '--json'])]) {
      expect(run.exitCode, run.stdout + run.stderr).toBe(4);
      const error = jsonOf(run).error as { message: string; hint: string };
      expect(error.message).toMatch(/belongs to root/);
      expect(error.hint).toContain(`sudo chown -R nobody: ${native.stateDir}`);
    }
    // The way out, as the hint says: down as root, then hand .datalayer over.
    const hint = (jsonOf(await user(['up', '--json'])).error as { hint: string }).hint;
    const chown = /`sudo (chown -R \S+ \S+)`/.exec(hint)![1]!.split(' ');
    expectOk(await root(['down']));
    await execa(chown[0]!, chown.slice(1));
    const up = await user(['up', '--json']);
    expectOk(up);
    expect((dataOf(up).migrations as { applied: string[] }).applied).toHaveLength(2);
  });
});
