import { FIELD_RULES, fieldProblem } from '../schema.js';
import { unencodedCredential } from './database-url.js';
import type { Findings } from './findings.js';

/** Each variable against its own schema (ports, URLs, bucket name). */
export function checkFields(findings: Findings): void {
  for (const [key, rule] of Object.entries(FIELD_RULES)) {
    const value = findings.value(key);
    if (value === undefined) continue;
    // A password with "/" or "#" copied into the URL as is: the URL rules say why.
    if (key === 'DATABASE_URL' && unencodedCredential(findings)) continue;
    const problem = fieldProblem(key, value);
    if (problem) findings.error({ code: rule.code, key, message: `${key} ${problem}.`, hint: rule.hint });
  }
}
