import type { Command } from 'commander';

export interface HelpData {
  /** The help as `--help` prints it. */
  help: string;
  /** The commands (for `datalayer --help`). */
  commands?: Array<{ name: string; description: string }>;
  options: Array<{ flags: string; description: string; default?: unknown; choices?: readonly string[] }>;
}

/** The command whose help `text` is (`datalayer help up` names it only in the text). */
export function helpSubject(program: Command, text: string): string {
  const named = /^Usage: datalayer ([\w-]+) /.exec(text)?.[1];
  return program.commands.some((command) => command.name() === named) && named ? named : 'datalayer';
}

/** `--help --json`: the help text and, for scripts, what it lists, read from commander's model. */
export function helpData(program: Command, commandName: string, text: string): HelpData {
  const command = program.commands.find((candidate) => candidate.name() === commandName) ?? program;
  const options = command.options.map((option) => ({
    flags: option.flags,
    description: option.description,
    ...(option.defaultValue === undefined ? {} : { default: option.defaultValue as unknown }),
    ...(option.argChoices ? { choices: option.argChoices } : {}),
  }));
  if (command !== program) return { help: text, options };
  const commands = program.commands.map((sub) => ({ name: sub.name(), description: sub.description() }));
  return { help: text, commands, options };
}
