/**
 * What `init` does to `.env`, computed as text without touching the disk (so `--dry-run` is the
 * same code minus the write). An existing file only gains lines, except a placeholder secret,
 * whose value is replaced in place.
 */
import { isPlaceholderSecret } from '../../config/rules/secret.js';
import { appendEnvLines, setEnvValue } from '../../config/env/edit.js';
import { parseEnvDocument, type EnvLine } from '../../config/env/parse.js';
import { AUTH_SECRET_KEY, DATA_LAYER_KEYS, ENV_TEMPLATE, templateLines, type TemplateValues } from '../../config/env-template.js';

export interface EnvChange {
  action: 'create' | 'append' | 'update';
  /** Names only: values (the secret above all) never go into reports. */
  keys: string[];
  /** For `create`: what the new file was made from. */
  from?: '.env.example' | 'template';
}

export interface EnvPlanInput {
  /** The current `.env`, if it exists. */
  existing: string | undefined;
  /** The host's `.env.example`, if it exists (used only when there is no `.env`). */
  example: string | undefined;
  /** Host-relative path of the compose file found; undefined when there is none. */
  composeFile: string | undefined;
  /** Where it is expected when there is none (the submodule path's compose.yaml). */
  expectedComposeFile?: string;
  generateSecret: () => string;
}

export interface EnvPlan {
  /** The new content; undefined when nothing changes. */
  text: string | undefined;
  changes: EnvChange[];
  /** The secret written, if one was generated (to register with the redactor, never to print). */
  secret: string | undefined;
}

const APPENDED_HEADER = '# Added by `datalayer init`: the data-layer settings this file did not have.';

export function planEnvFile(input: EnvPlanInput): EnvPlan {
  if (input.existing === undefined && input.example === undefined) return planFromTemplate(input);
  const isNew = input.existing === undefined;
  const base = input.existing ?? input.example ?? '';
  const lines = parseEnvDocument(base).lines;
  let text = base;
  let secret: string | undefined;
  const updated: string[] = [];

  const secretEntry = lastEntry(lines, AUTH_SECRET_KEY);
  if (secretEntry && !secretEntry.inherited && isMissingSecret(secretEntry.value ?? '')) {
    secret = input.generateSecret();
    text = setEnvValue(text, AUTH_SECRET_KEY, secret);
    updated.push(AUTH_SECRET_KEY);
  }
  const composeEntry = lastEntry(lines, 'CHAINLIT_DATALAYER_COMPOSE');
  if (isNew && input.composeFile !== undefined && composeEntry && composeEntry.value !== input.composeFile) {
    text = setEnvValue(text, 'CHAINLIT_DATALAYER_COMPOSE', input.composeFile);
    updated.push('CHAINLIT_DATALAYER_COMPOSE');
  }

  const missing = missingKeys(lines);
  if (missing.has(AUTH_SECRET_KEY)) secret = input.generateSecret();
  const values: TemplateValues = { ...templatePaths(input), authSecret: secret ?? '' };
  const appended = [...missing].filter((key) => !isCommentedInTemplate(key, values));
  if (missing.size > 0) text = appendBlock(text, templateLines(values, (key) => missing.has(key)));

  const changes: EnvChange[] = isNew
    ? [{ action: 'create', from: '.env.example', keys: [...updated, ...appended] }]
    : [
        ...(updated.length > 0 ? [{ action: 'update' as const, keys: updated }] : []),
        ...(missing.size > 0 ? [{ action: 'append' as const, keys: appended }] : []),
      ];
  return { text: isNew || text !== base ? text : undefined, changes, secret };
}

function planFromTemplate(input: EnvPlanInput): EnvPlan {
  const secret = input.generateSecret();
  const values: TemplateValues = { ...templatePaths(input), authSecret: secret };
  const lines = templateLines(values);
  const keys = ENV_TEMPLATE.flatMap((section) => section.entries.map((entry) => entry.key)).filter(
    (key) => !isCommentedInTemplate(key, values),
  );
  return { text: `${lines.join('\n')}\n`, changes: [{ action: 'create', from: 'template', keys }], secret };
}

function templatePaths(input: EnvPlanInput): Pick<TemplateValues, 'composeFile' | 'expectedComposeFile'> {
  return { composeFile: input.composeFile, ...(input.expectedComposeFile ? { expectedComposeFile: input.expectedComposeFile } : {}) };
}

/** Empty, or one of the placeholders people leave in (`...`, `changeme`, `<...>`). */
export function isMissingSecret(value: string): boolean {
  return value.trim() === '' || isPlaceholderSecret(value);
}

function lastEntry(lines: readonly EnvLine[], key: string): EnvLine | undefined {
  return lines.findLast((line) => line.kind === 'entry' && line.key === key);
}

/**
 * Data-layer keys neither defined nor commented out (a commented key is the user's choice, often
 * `disable`'s doing: adding it back would turn persistence on again), and the secret when it has
 * no definition.
 */
function missingKeys(lines: readonly EnvLine[]): Set<string> {
  const defined = new Set(lines.filter((line) => line.kind === 'entry').map((line) => line.key));
  const commented = new Set(lines.filter((line) => line.kind === 'comment').map((line) => line.commentedKey));
  const missing = new Set<string>();
  if (!defined.has(AUTH_SECRET_KEY)) missing.add(AUTH_SECRET_KEY);
  for (const key of DATA_LAYER_KEYS) if (!defined.has(key) && !commented.has(key)) missing.add(key);
  return missing;
}

function isCommentedInTemplate(key: string, values: TemplateValues): boolean {
  const entry = ENV_TEMPLATE.flatMap((section) => section.entries).find((candidate) => candidate.key === key);
  return entry?.commented?.(values) === true;
}

/** The block after one blank line, in the file's own line endings. */
function appendBlock(text: string, block: string[]): string {
  const endsWithBlankLine = text === '' || /\n[ \t]*\r?\n$/.test(text);
  return appendEnvLines(text, [...(endsWithBlankLine ? [] : ['']), APPENDED_HEADER, ...block]);
}
