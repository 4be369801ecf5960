/**
 * What a command declares, once: its name and help, its arguments and options (flags, default,
 * choices, help text and the schema that validates the value), whether it takes the project lock,
 * and how to load what it does. The CLI builds commander and the validation from this.
 *
 * `datalayer --help` imports every declaration, so they stay light: zod is only named as a type
 * here (a schema is a function of zod, called when the command runs), and each command's `run`
 * and `render` arrive through `load()`.
 */
import type * as Zod from '../support/zod.js';
import type { Context } from '../context/context.js';
import type { CommandResult } from '../report/reporter.js';
import type { Style } from '../report/style.js';

export type ZodMini = typeof Zod;
type Schema = Zod.ZodMiniType;
/** A value's schema, made when the command runs from the zod module it is given. */
export type SchemaOf<S extends Schema> = (z: ZodMini) => S;

interface Declaration<Value> {
  readonly description: string;
  readonly default?: unknown;
  readonly choices?: readonly string[];
  readonly schema?: SchemaOf<Schema>;
  /** Never set: carries the type of the validated value. */
  readonly value?: Value;
}

export interface OptionDeclaration<Value> extends Declaration<Value> {
  /** commander's flags: `-n, --tail <lines>`, `--dry-run`, `--no-wait`. */
  readonly flags: string;
}

export interface ArgumentDeclaration<Value> extends Declaration<Value> {
  /** commander's syntax: `<file>`, `[service...]`. */
  readonly syntax: string;
}

type Arguments = Record<string, ArgumentDeclaration<unknown>>;
type Options = Record<string, OptionDeclaration<unknown>>;

/** The validated values of declared arguments or options, by name. */
export type ValuesOf<D> = { [K in keyof D]: D[K] extends Declaration<infer V> ? V : never };

/** A switch: false unless given; `--no-x` is true unless given. */
export function flag(flags: string, description: string): OptionDeclaration<boolean> {
  return { flags, description };
}

/** An option that takes a value: a string, one of `choices`, or what `schema` makes of it. */
export function option(flags: string, description: string): OptionDeclaration<string | undefined>;
export function option<const C extends readonly string[]>(flags: string, description: string, settings: { choices: C }): OptionDeclaration<C[number] | undefined>;
export function option<const C extends readonly string[]>(flags: string, description: string, settings: { choices: C; default: C[number] }): OptionDeclaration<C[number]>;
export function option<S extends Schema>(flags: string, description: string, settings: { schema: SchemaOf<S> }): OptionDeclaration<Zod.output<S> | undefined>;
export function option<S extends Schema>(flags: string, description: string, settings: { schema: SchemaOf<S>; default: Zod.output<S> }): OptionDeclaration<Zod.output<S>>;
export function option(flags: string, description: string, settings: Omit<Declaration<unknown>, 'description'> = {}): OptionDeclaration<unknown> {
  return { flags, description, ...settings };
}

/** A positional argument; its value is what `schema` makes of it (`default` when it is absent). */
export function argument<S extends Schema>(syntax: string, description: string, settings: { schema: SchemaOf<S>; default: Zod.output<S> }): ArgumentDeclaration<Zod.output<S>> {
  return { syntax, description, ...settings };
}

/** The project lock: one datalayer at a time per host for the commands that start, stop or write. */
export interface LockDeclaration<Values> {
  /** Whether this run takes it (default: every run), e.g. not on a dry run. */
  when?: (options: Values) => boolean;
  /** How long to wait for another datalayer before refusing, in ms (default: 60 s). */
  waitMs?: number | ((options: Values) => number);
}

/** What a command does, and how its result reads as text (`--json` needs no renderer). */
export interface CommandBehaviour<Values, Result extends CommandResult<object>> {
  run: (options: Values, context: Context) => Promise<Result>;
  render: (result: Result, style: Style) => string;
}

export interface CommandDefinition<A extends Arguments, O extends Options, Result extends CommandResult<object>> {
  readonly name: string;
  readonly description: string;
  /** In the order they are typed. */
  readonly arguments?: A;
  /** In the order `--help` lists them. */
  readonly options: O;
  /** `false`: the command starts, stops and writes nothing. */
  readonly lock: false | LockDeclaration<ValuesOf<A> & ValuesOf<O>>;
  /** Command lines shown under `--help`. */
  readonly examples: readonly string[];
  /** True when Ctrl-C is how this run normally ends (`logs -f`): exit 130 without an error. */
  readonly endsWithInterrupt?: (options: ValuesOf<A> & ValuesOf<O>) => boolean;
  load(): Promise<CommandBehaviour<ValuesOf<A> & ValuesOf<O>, Result>>;
}

/**
 * Ties a declaration to its `run`: the compiler checks that every option `run` takes is declared,
 * with a value of the type it expects.
 */
export function defineCommand<const A extends Arguments = Record<never, never>, const O extends Options = Record<never, never>, Result extends CommandResult<object> = CommandResult<object>>(
  definition: CommandDefinition<A, O, Result>,
): CommandDefinition<A, O, Result> {
  return definition;
}

/**
 * Any command, as the list and the CLI hold them. Each was checked against its own `run` by
 * defineCommand, and the CLI passes it only values its own declaration validated; `any` is the
 * one type that lets commands of different options share one list.
 */
export type AnyCommand = CommandDefinition<any, any, any>;
