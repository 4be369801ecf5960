import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Why Debian's docker-compose 1.29 cannot be tried here, or undefined when it can. */
export function legacyComposeUnavailable(): string | undefined {
  try {
    const version = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^1\./.test(version) ? undefined : `docker-compose is ${version}, not the 1.x this test is about`;
  } catch (error) {
    return `docker-compose 1.29 is not installed (Debian: apt-get install docker-compose): ${(error as Error).message.split('\n')[0]}`;
  }
}

function realDocker(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'docker');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this PATH entry: look in the next one.
    }
  }
  throw new Error('no docker client on PATH');
}

/**
 * A PATH on which `docker` has no Compose plugin (it answers as the docker CLI of a Debian 12
 * install does: `compose` is not a command, and `info` lists no compose plugin) and forwards
 * everything else to the real client, so that the docker-compose 1.29 further down PATH is the
 * Compose datalayer finds. A real engine cannot be asked to forget its plugin; this is the one
 * thing faked.
 */
export function legacyComposeOnlyPath(parent: string): string {
  const bin = path.join(parent, 'docker-without-compose');
  mkdirSync(bin, { recursive: true });
  const real = `'${realDocker().replace(/'/g, `'\\''`)}'`;
  const script = `#!/bin/sh
if [ "$1" = compose ]; then
  echo "docker: 'compose' is not a docker command." >&2
  echo "See 'docker --help'" >&2
  exit 1
fi
if [ "$1" = info ]; then
  out=$(${real} "$@")
  code=$?
  printf '%s\\n' "$out" | sed '/^compose-plugin/d'
  exit $code
fi
exec ${real} "$@"
`;
  writeFileSync(path.join(bin, 'docker'), script, { mode: 0o755 });
  return [bin, process.env.PATH ?? ''].join(path.delimiter);
}
