/** What the published package holds and promises: readable stack traces, its licence, its dependencies. */
import { execa } from 'execa';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  license: string;
  files: string[];
  dependencies: Record<string, string>;
};

/** Every .ts file under src/, as text. */
function sourceTexts(dir = path.join(repoRoot, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceTexts(full);
    return entry.name.endsWith('.ts') ? [readFileSync(full, 'utf8')] : [];
  });
}

describe('the package', () => {
  it('a stack trace from the built CLI names the functions it went through', async () => {
    // An internal error: main() given no stderr to write to.
    const script = [
      `const { main } = await import(${JSON.stringify(path.join(repoRoot, 'dist', 'main.js'))});`,
      "await main({ argv: ['status'], env: {}, stdout: process.stdout, stderr: null, stdinIsTTY: false, version: '0' })",
      '  .catch((error) => process.stdout.write(error.stack));',
    ].join('\n');
    const run = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, reject: false });
    expect(run.stdout).toMatch(/^TypeError: /);
    expect(run.stdout).toMatch(/\n\s+at runFromCommandLine \(.*dist[\\/]main\.js:\d+:\d+\)/);
  });

  it('ships the licence package.json names', () => {
    expect(packageJson.license).toBe('MIT');
    expect(packageJson.files).toContain('LICENSE');
    const licence = readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} datalayer contributors\n/);
  });

  it('depends only on packages its code imports', () => {
    const sources = sourceTexts().join('\n');
    const unused = Object.keys(packageJson.dependencies).filter(
      (name) => !new RegExp(`(from |import\\()'${name.replace(/[/.]/g, '\\$&')}(/[\\w./-]+)?'`).test(sources),
    );
    expect(unused).toEqual([]);
  });
});
