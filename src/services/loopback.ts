/**
 * `localhost` dialled as 127.0.0.1 first. Before connecting, Node asks whether the host is an IP
 * address; for a name, the first such question compiles its IPv6 address pattern, some 20-30 ms of
 * CPU on a small machine, paid by every `up` for two local connections. The native servers listen
 * on 127.0.0.1 and Docker publishes ports on it, so the address is what the name would give. A
 * server that listens on ::1 alone refuses it: then the name itself is dialled, as before.
 */

/** The address to dial first for a host name, or undefined to dial the name as it is. */
export function loopbackAddressOf(hostname: string): string | undefined {
  return hostname.toLowerCase() === 'localhost' ? '127.0.0.1' : undefined;
}

/** The socket-level code of a failure, through the wrappers Node and pg put around it. */
function codeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const { code, errors, cause } = current as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string' && code !== '') return code;
    current = Array.isArray(errors) && errors.length > 0 ? errors[0] : cause;
  }
  return '';
}

/**
 * Runs `attempt` on the loopback address of `hostname` when it has one, and again on the name when
 * the address refused the connection (nothing listens on 127.0.0.1 there). Any other failure is the
 * answer: a refused login or a timeout would be the same by name.
 */
export async function dialLoopbackFirst<T>(hostname: string, attempt: (host: string) => Promise<T>): Promise<T> {
  const address = loopbackAddressOf(hostname);
  if (address === undefined) return attempt(hostname);
  try {
    return await attempt(address);
  } catch (error) {
    if (codeOf(error) !== 'ECONNREFUSED') throw error;
  }
  return attempt(hostname);
}
