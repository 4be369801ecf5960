import { UsageError } from '../support/errors.js';

/** What parseOptions needs of a zod schema (classic or mini). */
interface OptionsSchema<Output> {
  safeParse(data: unknown): { success: true; data: Output } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** Validates a command's options at the edge; a bad value is a usage error (exit 2). */
export function parseOptions<Output>(schema: OptionsSchema<Output>, raw: Record<string, unknown>): Output {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const option = issue?.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'option';
  throw new UsageError(`${option}: ${issue?.message ?? 'invalid value'}`, { hint: 'Run the command with --help to see its options.' });
}
