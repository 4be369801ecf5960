import type { z } from 'zod';
import { UsageError } from '../errors.js';

/** Validates a command's options at the edge; a bad value is a usage error (exit 2). */
export function parseOptions<Schema extends z.ZodType>(schema: Schema, raw: Record<string, unknown>): z.output<Schema> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const option = issue?.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'option';
  throw new UsageError(`${option}: ${issue?.message ?? 'invalid value'}`, { hint: 'Run the command with --help to see its options.' });
}

/** Values that would be read as options by git or another tool (`--upload-pack=...`). */
export function rejectDashValue(option: string, value: string | undefined): void {
  if (value !== undefined && value.startsWith('-')) {
    throw new UsageError(`${option} ${value}: a value may not begin with "-".`, {
      hint: `Pass a real ${option.replace(/^--/, '')}; values starting with "-" would be read as options.`,
    });
  }
}
