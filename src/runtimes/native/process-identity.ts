import { readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * How datalayer recognises its own servers before it signals one, beyond doubt and without
 * trusting anything a command line says (any process can name our directories in its argv):
 *
 * - the pid comes from a record the server itself or datalayer wrote at spawn (Postgres'
 *   `postmaster.pid`, the S3 server's pid file, `state.json`);
 * - the process must still be the one recorded: same start time in clock ticks since boot
 *   (field 22 of /proc/<pid>/stat), which a reused pid cannot have;
 * - it must work in that very data directory: its current directory (/proc/<pid>/cwd, which
 *   both servers keep) is the same inode as the data directory. An inode survives the project
 *   being moved or renamed, and a copied project (`cp -r`) has other inodes, so a server of the
 *   original is never taken for one of the copy.
 *
 * A record without a start time (Postgres' own lock file) is checked by the executable's name
 * instead. A server that dropped root itself (the S3 server) cannot be inspected by the user it
 * became (the kernel makes such a process undumpable): for it, the recorded start time plus its
 * `--directory` argument naming this very directory stand in for the working directory. Where
 * /proc is not there (macOS), nothing can be told: `unknown`.
 */
export type Verdict = 'ours' | 'not-ours' | 'unknown';

export interface RecordedProcess {
  pid: number;
  /** Start time in clock ticks since boot, as recorded at spawn. */
  startTicks?: number;
  /** The executable's file name when no start time was recorded (e.g. `postgres`). */
  executable?: string;
  /** The directory its `--directory` argument names, looked at only when its working directory may not be. */
  directoryArgument?: string;
}

const PROC = '/proc';

/** The start time of a live, non-zombie process in clock ticks since boot; undefined when it is gone. */
export function processStartTicks(pid: number, procRoot = PROC): number | undefined {
  const stat = readProcFile(`${procRoot}/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

/** Whether this system has a /proc to tell processes apart with. */
export function procAvailable(procRoot = PROC): boolean {
  return readProcFile(`${procRoot}/self/stat`) !== undefined;
}

/** Judges whether `recorded` is a live server working in `directory` (see above). */
export function judgeProcess(recorded: RecordedProcess, directory: string, procRoot = PROC): Verdict {
  if (!Number.isSafeInteger(recorded.pid) || recorded.pid <= 0) return 'not-ours';
  if (!procAvailable(procRoot)) return 'unknown';
  const ticks = processStartTicks(recorded.pid, procRoot);
  if (ticks === undefined) return 'not-ours';
  if (recorded.startTicks !== undefined && recorded.startTicks !== ticks) return 'not-ours';
  let where = sameDirectory(`${procRoot}/${recorded.pid}/cwd`, directory);
  if (where === undefined && recorded.startTicks !== undefined && recorded.directoryArgument !== undefined) {
    where = namesDirectory(recorded.pid, recorded.directoryArgument, procRoot);
  }
  if (where !== true) return where === false ? 'not-ours' : 'unknown';
  if (recorded.startTicks === undefined) {
    const executable = executableName(recorded.pid, procRoot);
    if (executable === undefined) return 'unknown';
    if (recorded.executable === undefined || executable !== recorded.executable) return 'not-ours';
  }
  return 'ours';
}

/** Whether a /proc cwd link and a directory are the same inode; undefined when not allowed to look. */
function sameDirectory(cwdLink: string, directory: string): boolean | undefined {
  let cwd;
  try {
    cwd = statSync(cwdLink);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Another user's process (we are not root): only that user or root may look.
    if (code === 'EACCES' || code === 'EPERM') return undefined;
    if (code === 'ENOENT' || code === 'ESRCH') return false;
    throw error;
  }
  let target;
  try {
    target = statSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  return cwd.dev === target.dev && cwd.ino === target.ino;
}

/** Whether the process was started with `--directory <directory>` (its command line is public). */
function namesDirectory(pid: number, directory: string, procRoot: string): boolean {
  const argv = (readProcFile(`${procRoot}/${pid}/cmdline`) ?? '').split('\0');
  return argv.some((argument, index) => argument === '--directory' && argv[index + 1] === directory);
}

function executableName(pid: number, procRoot: string): string | undefined {
  try {
    // A binary replaced on disk while it runs reads "<path> (deleted)".
    return path.basename(readlinkSync(`${procRoot}/${pid}/exe`).replace(/ \(deleted\)$/, ''));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw error;
  }
}

function readProcFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Gone (or never there: no /proc on this system).
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw error;
  }
}
