// Holds a host's datalayer lock the way the CLI does (proper-lockfile, same file, same timings),
// then idles until killed: a stand-in for a datalayer command that is stuck or gets SIGKILLed.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

const [stateDir, command = 'up'] = process.argv.slice(2);
mkdirSync(stateDir, { recursive: true, mode: 0o700 });
await lockfile.lock(stateDir, {
  lockfilePath: path.join(stateDir, 'datalayer.lock'),
  stale: 5_000,
  update: 1_000,
  realpath: false,
  onCompromised: (error) => {
    process.stderr.write(`lock compromised: ${error.message}\n`);
  },
});
writeFileSync(path.join(stateDir, 'lock-owner.json'), JSON.stringify({ pid: process.pid, command, since: new Date().toISOString() }));
process.stdout.write('locked\n');
setInterval(() => undefined, 60_000);
