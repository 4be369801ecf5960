/**
 * Many small host projects for property tests, on a memory file system when the machine has one
 * (thousands of rewrites of `.env` and the compose file would otherwise wait on the disk).
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FORK_LIKE_COMPOSE } from '../helpers/host-fixture.js';

export interface ScratchHost {
  dir: string;
  /** The shell environment for checks: PATH points at an empty directory, so runtime look-ups are cheap and the same everywhere. */
  shell: Record<string, string>;
}

export interface ScratchHosts {
  root: string;
  hosts: ScratchHost[];
  cleanup(): void;
}

function scratchBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    // No memory file system here: the ordinary temp directory is only slower.
    return os.tmpdir();
  }
}

/**
 * `count` hosts laid out like `makeHost`'s (compose file, migrations folder), plus, beside them, a
 * compose file outside every host and a link to it inside each: targets for pointers that escape.
 */
export function makeScratchHosts(count: number): ScratchHosts {
  const root = mkdtempSync(path.join(scratchBase(), 'datalayer-property-'));
  const emptyPath = path.join(root, 'empty-path');
  mkdirSync(emptyPath);
  const outside = path.join(root, 'outside-compose.yaml');
  writeFileSync(outside, FORK_LIKE_COMPOSE);
  const hosts = Array.from({ length: count }, (_unused, index) => {
    const dir = path.join(root, `host-${index}`, 'host');
    mkdirSync(path.join(dir, 'extern', 'chainlit-datalayer', 'prisma', 'migrations'), { recursive: true });
    writeFileSync(path.join(dir, 'extern', 'chainlit-datalayer', 'compose.yaml'), FORK_LIKE_COMPOSE);
    writeFileSync(path.join(dir, '..', 'outside-compose.yaml'), FORK_LIKE_COMPOSE);
    symlinkSync(outside, path.join(dir, 'outside-link.yaml'));
    return { dir, shell: { PATH: emptyPath } };
  });
  return { root, hosts, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
