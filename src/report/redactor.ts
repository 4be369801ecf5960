const PUBLIC_DEFAULTS = new Set(['root', 'postgres', 'password', 'random-key', 'test', 'secret']);

/** Replaces every known secret value by a mask before anything reaches the terminal or a log. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      // Very short values and well-known defaults (`root`) would mask ordinary words such as the
      // user name; they protect nothing, and `check` warns about defaults where they matter.
      if (value !== undefined && value.length >= 3 && !PUBLIC_DEFAULTS.has(value)) this.secrets.add(value);
    }
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

/** A URL with its password replaced by the mask, for display. */
export function maskUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = mask(parsed.password);
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1****@');
  }
}
