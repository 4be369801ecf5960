/**
 * Secrets everyone knows: the compose file's and the seed's defaults and their like. Masking them
 * protects nothing (and would mask ordinary words); `check` warns where one guards something remote.
 */
export const PUBLIC_DEFAULT_SECRETS: ReadonlySet<string> = new Set(['root', 'postgres', 'password', 'random-key', 'test', 'secret']);

/** Replaces every known secret value by a mask before anything reaches the terminal or a log. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      // Very short values and well-known defaults (`root`) would mask ordinary words such as the
      // user name; they protect nothing, and `check` warns about defaults where they matter.
      if (value !== undefined && value.length >= 3 && !PUBLIC_DEFAULT_SECRETS.has(value)) this.secrets.add(value);
    }
  }

  /**
   * Every password a database connection string carries (see connectionStringPasswords), as
   * written and decoded: DATABASE_URL from `.env`, the shell or `--database-url`.
   */
  addConnectionString(connection: string | undefined): void {
    if (connection === undefined) return;
    for (const password of connectionStringPasswords(connection)) this.add(password, decodedOrSame(password));
  }

  redact(text: string): string {
    if (this.secrets.size === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      for (const form of encodedForms(secret)) {
        if (out.includes(form)) out = out.split(form).join(mask(secret));
      }
    }
    return out;
  }
}

export function mask(secret: string): string {
  return secret.length === 0 ? '' : '****';
}

/** A secret can appear as typed, inside a URL, or escaped inside a JSON string. */
function encodedForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  return [...forms].filter((f) => f.length > 0);
}

/** Connection parameters that hold a password, in a URL's query or a keyword/value string (libpq's names). */
const PASSWORD_PARAMETERS = ['password', 'sslpassword'];
const QUERY_PASSWORD = new RegExp(`([?&](?:${PASSWORD_PARAMETERS.join('|')})=)([^&#]*)`, 'gi');
/** `password=value` or `password = 'quoted \\' value'` in a keyword/value string (`host=db password=...`). */
const KEYWORD_PASSWORD = new RegExp(`((?:^|\\s)(?:${PASSWORD_PARAMETERS.join('|')})\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'?|[^\\s]*)`, 'gi');
/** `scheme://user:`, where a URL's password starts. */
const USERINFO_HEAD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:/i;

/**
 * Where the password of `scheme://user:PASSWORD@host` is: up to the last `@`, because an
 * unencoded `@`, `/`, `?` or `#` in a password is a common mistake. An `@` later in the path or
 * query makes the span longer than the password: more is masked, never less.
 */
function userinfoPasswordSpan(connection: string): { start: number; end: number } | undefined {
  const head = USERINFO_HEAD.exec(connection);
  if (!head) return undefined;
  const end = connection.lastIndexOf('@');
  return end >= head[0].length ? { start: head[0].length, end } : undefined;
}

/**
 * The passwords inside a database connection string: the URL's own (`postgresql://u:PASSWORD@h`),
 * the `password` and `sslpassword` query parameters (`?password=...`, which pg and libpq accept
 * as well), and the keyword/value form (`host=db password=...`).
 */
export function connectionStringPasswords(connection: string): string[] {
  const found: string[] = [];
  if (URL.canParse(connection)) {
    const { password } = new URL(connection);
    if (password) found.push(password);
  }
  const span = userinfoPasswordSpan(connection);
  if (span) found.push(connection.slice(span.start, span.end));
  for (const match of connection.matchAll(QUERY_PASSWORD)) if (match[2]) found.push(match[2], decodedOrSame(match[2].replace(/\+/g, ' ')));
  for (const match of connection.matchAll(KEYWORD_PASSWORD)) {
    const value = match[2] ?? '';
    if (value.startsWith("'")) found.push(value.replace(/^'|'$/g, '').replace(/\\(.)/g, '$1'));
    else if (value) found.push(value);
  }
  return [...new Set(found)].filter((value) => value.length > 0);
}

/**
 * A connection string for display, every password in it (see connectionStringPasswords) replaced
 * by the mask, and nothing else changed.
 */
export function maskUrlPassword(connection: string): string {
  const span = userinfoPasswordSpan(connection);
  const userinfoMasked = span
    ? connection.slice(0, span.start) + mask(connection.slice(span.start, span.end)) + connection.slice(span.end)
    : connection;
  return userinfoMasked
    .replace(QUERY_PASSWORD, (_all, head: string, password: string) => `${head}${mask(password)}`)
    .replace(KEYWORD_PASSWORD, (_all, head: string, password: string) => `${head}${mask(password)}`);
}

function decodedOrSame(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Not percent-encoded: the text as written is the password.
    return text;
  }
}
