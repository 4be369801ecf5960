/** Whether a process with this pid exists (signal 0 checks without delivering anything). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user (a postgres started as root runs as `postgres`).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
