import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandLineFor, resolveHostProject } from '../../src/context/host-project.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'datalayer-host-project-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const app = path.join(scratch, 'work', 'app');
mkdirSync(app, { recursive: true });

describe('command lines said to the user', () => {
  it('are relative to where the command was run from, not to where this process happens to be', () => {
    const fromApp = resolveHostProject({ processCwd: app });
    expect(fromApp.dir).toBe(app);
    expect(commandLineFor(fromApp, 'up')).toBe('datalayer up');
    const fromParent = resolveHostProject({ cwd: 'app', processCwd: path.dirname(app) });
    expect(fromParent.dir).toBe(app);
    expect(commandLineFor(fromParent, 'up')).toBe('datalayer -C app up');
    const fromElsewhere = resolveHostProject({ cwd: app, envFile: 'other.env', processCwd: path.join(scratch, 'elsewhere') });
    expect(commandLineFor(fromElsewhere, 'status -o env')).toBe(`datalayer -C ${app} --env-file other.env status -o env`);
  });
});
