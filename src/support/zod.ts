/**
 * The part of zod/mini datalayer uses, as one module. Command declarations receive their schema
 * builder as a value (see commands/definition.ts); handing them `import * as z from 'zod/mini'`
 * would keep all of zod in the bundle (its locales included: four fifths of it), which every
 * command then loads. Named re-exports let the bundler keep only these. Add a name here when a
 * schema needs it.
 */
export {
  _default,
  array,
  boolean,
  coerce,
  enum,
  int,
  literal,
  maximum,
  minimum,
  nonnegative,
  nullable,
  object,
  optional,
  pipe,
  positive,
  refine,
  regex,
  string,
  superRefine,
  transform,
} from 'zod/mini';
export type { infer, output, ZodMiniType } from 'zod/mini';
