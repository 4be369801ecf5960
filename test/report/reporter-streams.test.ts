import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Reporter } from '../../src/report/reporter.js';
import { packageVersion } from '../helpers/cli.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function reporterWith(options: { json?: boolean; stdin?: PassThrough } = {}) {
  const stdout = new Collect();
  const stderr = new Collect();
  const reporter = new Reporter({ json: options.json ?? false, quiet: false, verbose: false, color: false, stdout, stderr, version: packageVersion, ...(options.stdin ? { stdin: options.stdin } : {}) });
  return { reporter, stdout, stderr };
}

describe('the reporter is the one writer', () => {
  it('asks a confirmation on its own stderr and reads the answer from its input', async () => {
    const stdin = new PassThrough();
    const { reporter, stdout, stderr } = reporterWith({ stdin });
    const answer = reporter.confirm('Delete all data?', new AbortController().signal);
    stdin.write('y\n');
    expect(await answer).toBe(true);
    expect(stderr.text).toContain('Delete all data?');
    expect(stdout.text).toBe('');
  });

  it('says no unless told yes', async () => {
    const stdin = new PassThrough();
    const { reporter } = reporterWith({ stdin });
    const answer = reporter.confirm('Delete all data?', new AbortController().signal);
    stdin.write('\n');
    expect(await answer).toBe(false);
  });

  it('service log lines go to stdout, with registered secrets masked', () => {
    const { reporter, stdout, stderr } = reporterWith();
    reporter.redactor.add('s3cr3t-value');
    reporter.serviceLog('postgres | password s3cr3t-value accepted\n');
    expect(stdout.text).toBe('postgres | password **** accepted\n');
    expect(stderr.text).toBe('');
  });

  it("commander's usage text reaches stderr, except under --json where the document says it", () => {
    const text = reporterWith();
    text.reporter.usage("error: unknown option '--bogus'\n");
    expect(text.stderr.text).toBe("error: unknown option '--bogus'\n");
    const json = reporterWith({ json: true });
    json.reporter.usage("error: unknown option '--bogus'\n");
    expect(json.stderr.text + json.stdout.text).toBe('');
  });
});
