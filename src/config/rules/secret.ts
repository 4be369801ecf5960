import type { Findings } from './findings.js';

const PLACEHOLDERS = new Set(['...', 'changeme', 'change-me', 'change_me', 'secret', 'xxx', 'todo']);
const MIN_SECRET_LENGTH = 32;
const FIX = 'Run `datalayer secret --write` to store a new random secret.';

export function isPlaceholderSecret(value: string): boolean {
  const trimmed = value.trim();
  return PLACEHOLDERS.has(trimmed.toLowerCase()) || /^<.*>$/.test(trimmed) || /^\.+$/.test(trimmed);
}

/** Chainlit refuses persistence without an auth secret; placeholders are the seed's trap. */
export function checkAuthSecret(findings: Findings): void {
  if (findings.config.state === 'disabled') return;
  const key = 'CHAINLIT_AUTH_SECRET';
  const raw = findings.values[key];
  if (raw === undefined) {
    findings.error({ code: 'ENV_SECRET_MISSING', key, message: `${key} is not set; Chainlit needs it for persistence.`, hint: FIX });
  } else if (raw.trim() === '') {
    findings.error({ code: 'ENV_SECRET_EMPTY', key, message: `${key} is empty; Chainlit needs it for persistence.`, hint: FIX });
  } else if (isPlaceholderSecret(raw)) {
    findings.error({ code: 'ENV_SECRET_PLACEHOLDER', key, message: `${key} is still a placeholder.`, hint: FIX });
  } else if (raw.length < MIN_SECRET_LENGTH) {
    findings.warning({
      code: 'ENV_SECRET_SHORT',
      key,
      message: `${key} is ${raw.length} characters long; use at least ${MIN_SECRET_LENGTH}.`,
      hint: FIX,
    });
  }
}
