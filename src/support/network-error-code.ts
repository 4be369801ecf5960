/**
 * The socket-level code of a failed connection or request (`ECONNREFUSED`, `ENOTFOUND`, ...), or
 * '': found through the wrappers Node, pg and request clients put around it (an AggregateError for
 * "refused on every address", a `cause`).
 */
export function networkErrorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  return '';
}
