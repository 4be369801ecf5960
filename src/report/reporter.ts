import type { Readable, Writable } from 'node:stream';
import { isDatalayerError, ExitCode, OutputClosedError } from '../support/errors.js';
import type { Diagnostic } from '../support/diagnostic.js';
import { shellQuote } from '../support/shell-quote.js';
import { formatDiagnostics } from './format-diagnostics.js';
import { failureDocument, successDocument } from './json-document.js';
import { Redactor } from './redactor.js';
import { plainStyle, type Style } from './style.js';
import { CANONICAL_INVOCATION, sayCommand, sayCommandsIn } from './say-command.js';
import { styleSequences, terminalJson, terminalText } from './terminal-text.js';

export interface ReporterOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  stdout: Writable;
  stderr: Writable;
  /** The package version, for the `--json` document. */
  version: string;
  /** Where answers to a confirmation come from (default: the process's stdin). */
  stdin?: Readable;
  /** The styles when `color` is on (see terminalStyle); plain text otherwise. */
  style?: Style;
  /** How the user runs datalayer (`npx datalayer`): the words commands are said with in text. */
  invocation?: string;
}

/** What every command returns: its exit code, its findings, and its own fields for `--json`. */
export interface CommandResult<Data extends object = Record<string, unknown>> {
  exitCode: number;
  diagnostics: Diagnostic[];
  data: Data;
}

export type Renderer<R> = (result: R, style: Style) => string;

export interface Progress {
  update(text: string): void;
  done(text?: string): void;
  fail(text?: string): void;
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The spinner's own control: back to the start of the line, and clear it. */
const CLEAR_LINE = '\r\x1b[2K';

/**
 * The one place that writes to the terminal. Progress goes to stderr, results to stdout,
 * `--json` prints exactly one document on stdout. Everything passes through the redactor, then
 * loses any terminal control sequence but the style's own colours (see terminal-text.ts).
 */
export class Reporter {
  readonly style: Style;
  readonly redactor = new Redactor();
  readonly invocation: string;
  private activeSpinner: { stop(): void } | undefined;
  /**
   * Set once the result or the error that ends the command is reported: work still winding down
   * (a wait that an interrupt cut short) must not print progress after "error: Interrupted".
   */
  private finished = false;
  private readonly ownSequences: ReadonlySet<string>;
  /** The options that point at the command's project (`-C app`), added to the commands text names. */
  private projectOptions = '';

  constructor(private readonly options: ReporterOptions) {
    const base = options.color && options.style ? options.style : plainStyle;
    this.invocation = options.invocation ?? CANONICAL_INVOCATION;
    this.style = { ...base, command: (line) => base.command(sayCommand(line, this.invocation)) };
    this.ownSequences = styleSequences(this.style);
  }

  /** From now on, commands named in text carry these options (see sayCommandsIn). */
  speakForProject(projectOptions: string): void {
    this.projectOptions = projectOptions;
  }

  get json(): boolean {
    return this.options.json;
  }

  get verbose(): boolean {
    return this.options.verbose;
  }

  /** The datalayer version that prints (and writes archives). */
  get version(): string {
    return this.options.version;
  }

  /** A progress line on stderr (silent with --quiet or --json). */
  info(message: string): void {
    if (this.options.quiet || this.options.json || this.finished) return;
    this.writeErr(`${message}\n`);
  }

  /** A warning on stderr; --quiet silences it, --json keeps stdout clean. */
  warn(message: string): void {
    if (this.options.quiet) return;
    this.writeErr(`${this.style.warn('warning:')} ${message}\n`);
  }

  /** `--verbose`: every external command, as it will run. */
  command(argv: readonly string[], cwd?: string): void {
    if (!this.options.verbose || this.finished) return;
    const shown = argv.map(shellQuote).join(' ');
    this.writeErr(this.style.dim(`$ ${shown}${cwd ? `   (in ${cwd})` : ''}`) + '\n');
  }

  /** A long wait: a spinner on a terminal, plain lines elsewhere. */
  progress(label: string): Progress {
    const silent = this.options.quiet || this.options.json;
    const started = Date.now();
    let text = label;
    const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
    let timer: NodeJS.Timeout | undefined;
    const finish = (mark: string, final?: string) => {
      if (timer) clearInterval(timer);
      if (this.activeSpinner === spinner) this.activeSpinner = undefined;
      if (silent || this.finished) return;
      if (this.options.color) write(this.options.stderr, CLEAR_LINE);
      this.writeErr(`${mark} ${final ?? text} ${this.style.dim(`(${elapsed()})`)}\n`);
    };
    const spinner = { stop: () => timer && clearInterval(timer) };
    if (!silent && this.options.color) {
      this.activeSpinner?.stop();
      this.activeSpinner = spinner;
      let frame = 0;
      const draw = () => {
        const glyph = SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length] ?? '-';
        write(this.options.stderr, CLEAR_LINE);
        this.writeErr(`${this.style.code(glyph)} ${text} ${this.style.dim(elapsed())}`);
      };
      draw();
      timer = setInterval(draw, 100);
      timer.unref();
    } else if (!silent) {
      this.writeErr(`… ${text}\n`);
    }
    let lastPlain = Date.now();
    return {
      update: (next) => {
        text = next;
        // Without a terminal, say something at most every 5 s so logs show the wait moving.
        if (!silent && !this.finished && !this.options.color && Date.now() - lastPlain >= 5000) {
          lastPlain = Date.now();
          this.writeErr(`… ${text} (${elapsed()})\n`);
        }
      },
      done: (final) => finish(this.style.ok('✔'), final),
      fail: (final) => finish(this.style.bad('✖'), final),
    };
  }

  /** The command's result: JSON document, or its human rendering on stdout. */
  result<R extends CommandResult<object>>(command: string, result: R, render: Renderer<R>): void {
    this.finish();
    if (this.options.json) {
      this.writeJson(successDocument({ datalayerVersion: this.options.version, command, exitCode: result.exitCode, diagnostics: result.diagnostics }, result.data));
      return;
    }
    const text = render(result, this.style);
    if (text.length > 0 && !(this.options.quiet && result.exitCode === ExitCode.ok)) {
      this.writeOut(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /** An error that ended the command: one JSON document, or message + hint on stderr. */
  error(command: string, error: unknown): number {
    this.finish();
    // The reader left (`| head -1`): nobody is there to read about it.
    if (error instanceof OutputClosedError) return error.exitCode;
    const known = isDatalayerError(error);
    const exitCode = known ? error.exitCode : ExitCode.internal;
    const message = error instanceof Error ? error.message : String(error);
    const hint = known
      ? error.hint
      : 'This is a bug in datalayer. Please report it with the command you ran and the output of --verbose.';
    const diagnostics = known ? error.diagnostics : [];
    if (this.options.json) {
      const details = known ? error.data : {};
      this.writeJson(failureDocument({ datalayerVersion: this.options.version, command, exitCode, diagnostics }, { message, hint: hint ?? null, details }));
      return exitCode;
    }
    if (diagnostics.length > 0) this.writeErr(formatDiagnostics(diagnostics, this.style) + '\n');
    this.writeErr(`${this.style.bad('error:')} ${message}\n`);
    if (hint) this.writeErr(`${this.style.dim('hint:')} ${hint}\n`);
    if (!known && this.options.verbose && error instanceof Error && error.stack) {
      this.writeErr(this.style.dim(error.stack) + '\n');
    }
    return exitCode;
  }

  /** The command's outcome is about to be reported: progress stops here (a spinner included). */
  private finish(): void {
    this.finished = true;
    this.activeSpinner?.stop();
    if (this.activeSpinner && this.options.color) write(this.options.stderr, CLEAR_LINE);
    this.activeSpinner = undefined;
  }

  /** Help and version text the user asked for (commander's output). */
  help(text: string): void {
    this.writeOut(text);
  }

  /**
   * commander's usage messages (unknown option, missing argument). Under --json the error
   * document says the same, so nothing else may reach the terminal.
   */
  usage(text: string): void {
    if (!this.options.json) this.writeErr(text);
  }

  /** Lines of the services' own logs (`logs`), as they come: stdout, redacted like everything else. */
  serviceLog(text: string): void {
    write(this.options.stdout, terminalText(this.redactor.redact(text), this.ownSequences));
  }

  /**
   * Resolves once stdout has taken what was written (or has closed): a large `logs` then goes at
   * the reader's pace instead of piling up in memory.
   */
  async drained(): Promise<void> {
    const stdout = this.options.stdout;
    if (!stdout.writableNeedDrain || stdout.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        stdout.off('drain', done);
        stdout.off('close', done);
        stdout.off('error', done);
        resolve();
      };
      stdout.on('drain', done);
      stdout.on('close', done);
      stdout.on('error', done);
    });
  }

  /**
   * A yes/no question on the reporter's stderr (default: no); the caller checks first that a
   * person can answer (`context.interactive`).
   */
  async confirm(question: string, signal: AbortSignal): Promise<boolean> {
    const { default: confirm } = await import('@inquirer/confirm');
    return confirm({ message: question, default: false }, { signal, output: this.options.stderr, ...(this.options.stdin ? { input: this.options.stdin } : {}) });
  }

  /** Unredacted stdout: only for output whose purpose is to carry values (`status -o env`). */
  raw(text: string): void {
    write(this.options.stdout, text);
  }

  private writeJson(document: object): void {
    // The document names commands canonically, whatever started datalayer.
    write(this.options.stdout, terminalJson(this.redactor.redact(`${JSON.stringify(document, null, 2)}\n`)));
  }

  /** Text for a person: commands in backticks are said the way they run datalayer. */
  private writeOut(text: string): void {
    write(this.options.stdout, terminalText(this.redactor.redact(sayCommandsIn(text, this.invocation, this.projectOptions)), this.ownSequences));
  }

  private writeErr(text: string): void {
    write(this.options.stderr, terminalText(this.redactor.redact(sayCommandsIn(text, this.invocation, this.projectOptions)), this.ownSequences));
  }
}

/** A stream whose reader went away (EPIPE) is destroyed: what is left to say has nobody to read it. */
function write(stream: Writable, text: string): void {
  if (!stream.destroyed) stream.write(text);
}
