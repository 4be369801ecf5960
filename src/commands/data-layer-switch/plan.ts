/**
 * `enable` / `disable`: the seed's "comment out these variables" switch, done so that disabling
 * then enabling gives back the file byte for byte.
 *
 * The keys switched are DATA_LAYER_KEYS, the seed's block from CHAINLIT_DATALAYER_COMPOSE to
 * DEV_AWS_ENDPOINT. Commenting out CHAINLIT_DATALAYER_COMPOSE alone would leave DATABASE_URL set,
 * which is the "external" state, not "off". CHAINLIT_AUTH_SECRET, CHAINLIT_USERNAME and
 * CHAINLIT_PASSWORD stay: the app's login uses them whether or not history is kept.
 */
import { commentOutKeys, restoreDisabledLines, uncommentKeys } from '../../config/env/edit.js';
import { parseEnvDocument, type EnvLine } from '../../config/env/parse.js';
import type { Diagnostic } from '../../support/diagnostic.js';
import { DATA_LAYER_KEYS } from '../../config/env-template.js';

const BYTE_ORDER_MARK = '\uFEFF';

export interface SwitchPlan {
  /** The new text; undefined when the file is already as asked. */
  text: string | undefined;
  keys: string[];
  diagnostics: Diagnostic[];
}

/** Comments out every definition of the data-layer keys, each line with DISABLED_MARK in front. */
export function planDisable(text: string): SwitchPlan {
  const active = DATA_LAYER_KEYS.filter((key) => linesOf(text).some((line) => line.kind === 'entry' && line.key === key));
  if (active.length === 0) return { text: undefined, keys: [], diagnostics: [] };
  return { text: commentOutKeys(text, active), keys: active, diagnostics: [] };
}

/**
 * Restores the lines `disable` commented out (they carry its mark), exactly as they were: the
 * user's own commented lines, an older value kept as `# POSTGRES_DB=old` say, stay comments.
 * A file commented by hand (or by a datalayer from before the mark) gets the fallback below.
 */
export function planEnable(text: string, fileLabel: string): SwitchPlan {
  const restored = restoreDisabledLines(text);
  if (restored.text !== text) {
    const keys = DATA_LAYER_KEYS.filter((key) => restored.keys.includes(key));
    return { text: restored.text, keys, diagnostics: [] };
  }
  return planEnableByHand(text, fileLabel);
}

/**
 * Uncomments, for each data-layer key with no definition, its last commented definition (the one
 * Compose would use if all were active). Only one per key, so that an alternative value kept in a
 * comment does not come back as a duplicate; when there were several, a warning names the line.
 */
function planEnableByHand(text: string, fileLabel: string): SwitchPlan {
  let current = text;
  const keys: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const key of DATA_LAYER_KEYS) {
    const lines = linesOf(current);
    if (lines.some((line) => line.kind === 'entry' && line.key === key)) continue;
    const commented = lines.filter((line) => line.kind === 'comment' && commentedDataLayerKey(line) === key);
    const chosen = commented.at(-1);
    if (!chosen) continue;
    const next = uncommentLine(current, lines, chosen, key);
    if (next === current) continue;
    current = next;
    keys.push(key);
    if (commented.length > 1) diagnostics.push(severalCommented(key, chosen, commented.length, fileLabel));
  }
  return { text: keys.length > 0 ? current : undefined, keys, diagnostics };
}

/** Data-layer keys the file defines or keeps commented out. */
export function dataLayerKeysIn(text: string): { defined: string[]; commented: string[] } {
  const lines = linesOf(text);
  const has = (kind: EnvLine['kind'], key: string) =>
    lines.some((line) => line.kind === kind && (line.key ?? commentedDataLayerKey(line)) === key);
  return {
    defined: DATA_LAYER_KEYS.filter((key) => has('entry', key)),
    commented: DATA_LAYER_KEYS.filter((key) => has('comment', key)),
  };
}

const COLON_FORM = /^[ \t]*#[ \t]*(?:export[ \t]+)?([A-Z_]+)[ \t]*:/;

/**
 * The data-layer key a comment line defines. Besides `# KEY=value`, `disable` also leaves
 * `# KEY: value` (Compose's other form), which the parser does not count in general because prose
 * (`# Note: ...`) looks the same; a data-layer key's name followed by a colon is a definition.
 */
function commentedDataLayerKey(line: EnvLine): string | undefined {
  if (line.commentedKey !== undefined) return line.commentedKey;
  const key = COLON_FORM.exec(line.raw)?.[1];
  return key !== undefined && (DATA_LAYER_KEYS as readonly string[]).includes(key) ? key : undefined;
}

function linesOf(text: string): EnvLine[] {
  return parseEnvDocument(text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text).lines;
}

/**
 * Uncomments one comment line: the edit runs on the text from that line to the end of its run of
 * comments (a quoted value disabled over several lines continues there), the rest is kept as is.
 */
function uncommentLine(text: string, lines: readonly EnvLine[], chosen: EnvLine, key: string): string {
  const mark = text.startsWith(BYTE_ORDER_MARK) ? BYTE_ORDER_MARK : '';
  const start = lines.indexOf(chosen);
  let end = start;
  while (end < lines.length && lines[end]?.kind === 'comment') end += 1;
  const join = (from: number, to: number) =>
    lines
      .slice(from, to)
      .map((line) => line.raw)
      .join('');
  return mark + join(0, start) + uncommentKeys(join(start, end), [key]) + join(end, lines.length);
}

function severalCommented(key: string, chosen: EnvLine, count: number, fileLabel: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'ENABLE_SEVERAL_COMMENTED',
    message: `${key} is commented out ${count} times; line ${chosen.line}, the last one, was enabled.`,
    file: fileLabel,
    line: chosen.line,
    key,
    hint: 'Check that this is the value you want; the other commented lines were left as they are.',
  };
}
