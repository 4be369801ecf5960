// LocalStack's init hooks: the scripts of `<root>/<stage>.d/` run one after the other, in name
// order, once the services are up; `/_localstack/init/<stage>` reports them.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export const STAGES = ['BOOT', 'START', 'READY', 'SHUTDOWN'];

export class InitHooks {
  /** `env`: the scripts' environment (awslocal on PATH); `log`: one call per line of their output. */
  constructor(root, { env, cwd, log }) {
    this.root = root;
    this.env = env;
    this.cwd = cwd;
    this.log = log;
    this.scripts = [];
    this.completed = Object.fromEntries(STAGES.map((stage) => [stage, false]));
  }

  /** Lists the scripts of every stage, as LocalStack does at start-up (state UNKNOWN). */
  async discover() {
    for (const stage of STAGES) {
      const dir = path.join(this.root, `${stage.toLowerCase()}.d`);
      const names = await readdir(dir).catch((error) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
        throw error;
      });
      for (const name of names.sort()) {
        if (name.endsWith('.sh') || name.endsWith('.py')) this.scripts.push({ stage, name, state: 'UNKNOWN', path: path.join(dir, name) });
      }
    }
  }

  async run(stage) {
    for (const script of this.scripts.filter((entry) => entry.stage === stage)) {
      script.state = 'RUNNING';
      const ok = script.name.endsWith('.sh') ? await this.execute(script) : this.refuse(script, 'Python init hooks are not supported by this stand-in');
      script.state = ok ? 'SUCCESSFUL' : 'ERROR';
    }
    this.completed[stage] = true;
  }

  /** Runs the file itself, as LocalStack does: it needs its exec bit and a working `#!` line. */
  execute(script) {
    return new Promise((resolve) => {
      const child = spawn(script.path, [], { cwd: this.cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const relay = (stream) => {
        let pending = '';
        stream.on('data', (chunk) => {
          const lines = (pending + chunk.toString('utf8')).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) this.log(line);
        });
        stream.on('end', () => pending && this.log(pending));
      };
      relay(child.stdout);
      relay(child.stderr);
      child.on('error', (error) => resolve(this.refuse(script, `cannot be run: ${error.message}`)));
      child.on('close', (code) => {
        if (code !== 0) this.log(`Error while running script ${script.name}: exit code ${code}`);
        resolve(code === 0);
      });
    });
  }

  refuse(script, reason) {
    this.log(`Error while running script ${script.name}: ${reason}`);
    return false;
  }

  report(stage) {
    const scripts = this.scripts.filter((entry) => !stage || entry.stage === stage).map(({ stage: s, name, state }) => ({ stage: s, name, state }));
    return { completed: stage ? this.completed[stage] : this.completed, scripts };
  }
}
