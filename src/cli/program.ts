import { Command, Option, type OutputConfiguration } from 'commander';
import type { AnyCommand, ArgumentDeclaration, OptionDeclaration } from '../commands/definition.js';

/** Called when a command's action fires: its declaration, its own raw values, and the global options. */
export type ActionHandler = (command: AnyCommand, values: Record<string, unknown>, globals: Record<string, unknown>) => Promise<void>;

const EXIT_CODES_HELP = `
Global options work before or after the command. Colors and spinners are off
when CI or NO_COLOR is set.

Exit codes: 0 done, 2 usage, 3 invalid configuration, 4 missing prerequisite,
            5 not ready, 6 refused to avoid harm, 130 interrupted.`;

function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * commander, built from the commands' declarations. `output` receives everything commander would
 * print (help, usage errors) and errors are thrown, not exited on: the entry point decides.
 */
export function buildProgram(version: string, commands: readonly AnyCommand[], onAction: ActionHandler, output: OutputConfiguration, argv?: readonly string[]): Command {
  const program = new Command('datalayer')
    // Set before the subcommands exist: they inherit these.
    .configureOutput(output)
    .exitOverride()
    .description(
      'Provision the persistence stack of a Chainlit app (PostgreSQL with the Chainlit schema and an\n' +
        'S3 bucket for attachments) with Docker Compose, or natively without Docker.',
    )
    .version(version, '-V, --version', 'print the version')
    .option('-C, --cwd <dir>', 'the host project directory')
    .option('--env-file <path>', 'the configuration file (default: .env in the host)')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('-q, --quiet', 'print only errors')
    .option('-v, --verbose', 'print every external command it runs')
    .option('--no-color', 'no colors or spinners')
    .option('-y, --yes', 'answer yes to confirmations')
    // The same words as the JSON document's hint: the exact command that shows the usage.
    .showHelpAfterError('Run `datalayer --help` for usage.')
    .configureHelp({ showGlobalOptions: true, helpWidth: 100 })
    .addHelpText(
      'after',
      examples([
        'datalayer init                 # submodule, .env, secret, checked',
        'datalayer up                   # Postgres + S3 running, schema applied, bucket ready',
        'datalayer status -o env        # host-side DATABASE_URL etc. for scripts',
        'datalayer down                 # stop, keep the data',
      ]) + EXIT_CODES_HELP,
    );
  for (const command of argv ? commandsFor(argv, commands, program.options) : commands) addCommand(program, command, onAction);
  return program;
}

/**
 * The commands commander needs to be told about for this command line: only the one it runs, when
 * the line plainly names it after global options (`globals`, as the program declares them), since
 * building the others costs every run time for nothing. Anything else (help, a mistyped command, an
 * option it does not declare) gets them all, so that help lists them and a typo gets its suggestion.
 */
export function commandsFor(argv: readonly string[], commands: readonly AnyCommand[], globals: readonly Option[]): readonly AnyCommand[] {
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] as string;
    if (!word.startsWith('-')) {
      const named = commands.find((command) => command.name === word);
      return named ? [named] : commands;
    }
    const equals = word.startsWith('--') ? word.indexOf('=') : -1;
    const flag = equals === -1 ? word : word.slice(0, equals);
    const option = globals.find((candidate) => candidate.short === flag || candidate.long === flag);
    // Not a global option, or one whose value may or may not follow: commander decides, with all of them.
    if (!option || option.optional || (equals !== -1 && !option.required)) return commands;
    if (option.required && equals === -1) index++;
  }
  return commands;
}

function addCommand(program: Command, command: AnyCommand, onAction: ActionHandler): void {
  const sub = program
    .command(command.name)
    .description(command.description)
    .allowExcessArguments(false)
    .showHelpAfterError(`Run \`datalayer ${command.name} --help\` for usage.`);
  const argumentNames = Object.keys(command.arguments ?? {});
  for (const declaration of Object.values<ArgumentDeclaration<unknown>>(command.arguments ?? {})) {
    sub.argument(declaration.syntax, declaration.description);
  }
  for (const [name, declaration] of Object.entries<OptionDeclaration<unknown>>(command.options)) {
    sub.addOption(commanderOption(name, declaration));
  }
  if (command.examples.length > 0) sub.addHelpText('after', examples(command.examples));
  sub.action(async (...received: unknown[]) => {
    const self = received[received.length - 1] as Command;
    const values: Record<string, unknown> = { ...self.opts() };
    argumentNames.forEach((name, index) => {
      values[name] = self.processedArgs[index];
    });
    await onAction(command, values, program.opts());
  });
}

function commanderOption(name: string, declaration: OptionDeclaration<unknown>): Option {
  const option = new Option(declaration.flags, declaration.description);
  // The declaration's key is the name run() reads: it must be the one commander derives from the flags.
  if (option.attributeName() !== name) {
    throw new Error(`option ${declaration.flags} is declared as "${name}"; commander names it "${option.attributeName()}"`);
  }
  if (declaration.default !== undefined) option.default(declaration.default);
  if (declaration.choices) option.choices(declaration.choices);
  return option;
}
