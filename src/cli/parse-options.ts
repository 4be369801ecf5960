import type { AnyCommand, ArgumentDeclaration, OptionDeclaration, ZodMini } from '../commands/definition.js';
import { UsageError } from '../support/errors.js';

type Declaration = OptionDeclaration<unknown> | ArgumentDeclaration<unknown>;

/**
 * Validates a command's raw values (what commander parsed, or what a caller passes) against its
 * declaration, filling in defaults; a bad value is a usage error (exit 2). zod is loaded here, when
 * a command runs, never for `--help`.
 */
export async function parseOptions(command: AnyCommand, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const z = await import('../support/zod.js');
  const declarations: Record<string, Declaration> = { ...command.arguments, ...command.options };
  const shape = Object.fromEntries(Object.entries(declarations).map(([name, declaration]) => [name, schemaOf(declaration, z)]));
  const parsed = z.object(shape).safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = issue?.path[0];
  const declaration = typeof name === 'string' ? declarations[name] : undefined;
  const label = declaration ? labelOf(declaration) : 'option';
  throw new UsageError(`${label}: ${issue?.message ?? 'invalid value'}`, { hint: `Run \`datalayer ${command.name} --help\` to see its options.` });
}

function schemaOf(declaration: Declaration, z: ZodMini) {
  if ('flags' in declaration && !/[<[]/.test(declaration.flags)) {
    return z._default(z.boolean(), declaration.flags.includes('--no-'));
  }
  const base = declaration.schema?.(z) ?? (declaration.choices ? z.enum(declaration.choices as [string, ...string[]]) : z.string());
  return declaration.default === undefined ? z.optional(base) : z._default(base, declaration.default as never);
}

/** `--timeout`, or `[service...]` for an argument. */
function labelOf(declaration: Declaration): string {
  if ('syntax' in declaration) return declaration.syntax;
  return /--[\w-]+/.exec(declaration.flags)?.[0] ?? declaration.flags;
}
