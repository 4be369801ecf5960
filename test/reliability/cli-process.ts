/**
 * The built CLI run the ways a write can be interrupted for real: as an unprivileged user (whose
 * rename the kernel refuses), and killed by SIGKILL exactly when it renames its temporary file
 * (strace injects the signal at the rename system call: no switch in the product is needed).
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { cliEntry, type CliRun } from '../helpers/cli.js';

const NOBODY = 65534;

/** Why a test that needs another user cannot run here, or undefined when it can. */
export function unprivilegedUserUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root, to run the CLI as the unprivileged user nobody';
  try {
    execFileSync(process.execPath, ['-e', ''], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' });
  } catch (error) {
    return `cannot start node as uid ${NOBODY}: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    execFileSync(process.execPath, ['--', cliEntry, '--version'], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' });
    return undefined;
  } catch {
    // The checkout lies under a directory uid 65534 cannot enter (root's 0700 home): only that is the reason.
    return `uid ${NOBODY} cannot run this checkout's CLI (it lies under a directory that user cannot enter)`;
  }
}

/** Runs the CLI as uid/gid 65534 (nobody), which root's permission bypass does not cover. */
export async function runCliAsNobody(args: string[], cwd: string): Promise<CliRun> {
  const result = await execa(process.execPath, ['--', cliEntry, ...args], {
    cwd,
    uid: NOBODY,
    gid: NOBODY,
    env: { CI: 'true', HOME: cwd, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

const RENAME_CALLS = 'rename,renameat,renameat2';

/** Why strace cannot stop a process at a system call here, or undefined when it can. */
export function straceUnavailable(): string | undefined {
  try {
    execFileSync('strace', ['-qq', '-o', '/dev/null', '-e', `trace=${RENAME_CALLS}`, 'true'], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return `strace cannot trace a child here (not installed, or ptrace forbidden): ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Runs the CLI under strace, which makes its first rename fail and sends it SIGKILL at that very
 * moment: the temporary file is written and flushed, the rename never happens, no clean-up runs.
 */
export async function runCliKilledAtRename(args: string[], cwd: string): Promise<{ signal: string | undefined; exitCode: number | undefined }> {
  const result = await execa(
    'strace',
    ['-f', '-qq', '-o', '/dev/null', '-e', `trace=${RENAME_CALLS}`, '-e', `inject=${RENAME_CALLS}:error=EIO:signal=SIGKILL`, process.execPath, '--', cliEntry, ...args],
    { cwd, env: { CI: 'true' }, reject: false, timeout: 60_000, stdin: 'ignore' },
  );
  return { signal: result.signal ?? undefined, exitCode: result.exitCode ?? undefined };
}
