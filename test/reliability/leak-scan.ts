import { expect } from 'vitest';
import type { CliRun } from '../helpers/cli.js';

/**
 * The secret-leak scan of a host: every value in `secrets` (which a test may grow as it writes new
 * ones into `.env`) must be absent from a run's stdout and stderr, percent-encoded too.
 * `runsChecked` lists each command line scanned, for the closing check that nothing was skipped.
 * `jsonCli`, when given, runs the `--json` variant of each scan (in-process: the document main()
 * writes, without a process's start); the human variant always runs through `cli`, a process,
 * so that what the executable itself prints is scanned too.
 */
export function leakScanner(secrets: ReadonlySet<string>, cli: (args: string[]) => Promise<CliRun>, jsonCli: (args: string[]) => Promise<CliRun> = cli) {
  const runsChecked: string[] = [];

  function leaksIn(text: string): string[] {
    return [...secrets].filter((secret) => text.includes(secret) || text.includes(encodeURIComponent(secret)));
  }

  function expectNoLeak(args: string[], run: CliRun): void {
    runsChecked.push(args.join(' '));
    expect(leaksIn(run.stdout), `stdout of ${args.join(' ')}`).toEqual([]);
    expect(leaksIn(run.stderr), `stderr of ${args.join(' ')}`).toEqual([]);
  }

  /** Runs a command twice, `--verbose` with human output and `--json --verbose`, and checks both. */
  async function scan(args: string[], expectedExit: number | number[] = 0): Promise<CliRun[]> {
    const runs: CliRun[] = [];
    for (const variant of [['--verbose'], ['--json', '--verbose']]) {
      const full = [...args, ...variant];
      const run = await (variant.includes('--json') ? jsonCli : cli)(full);
      expect([expectedExit].flat(), `exit of ${full.join(' ')}\n${run.stdout}\n${run.stderr}`).toContain(run.exitCode);
      expectNoLeak(full, run);
      if (variant.includes('--json')) expect(() => JSON.parse(run.stdout), full.join(' ')).not.toThrow();
      runs.push(run);
    }
    return runs;
  }

  return { runsChecked, leaksIn, expectNoLeak, scan };
}
