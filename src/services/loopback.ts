/**
 * `localhost` dialled as 127.0.0.1 first. Before connecting, Node asks whether the host is an IP
 * address; for a name, the first such question compiles its IPv6 address pattern, some 20-30 ms of
 * CPU on a small machine, paid by every `up` for two local connections. The native servers listen
 * on 127.0.0.1 and Docker publishes ports on it, so the address is what the name would give. A
 * server that listens on ::1 alone refuses it: then the name itself is dialled, as before.
 */
import { httpGet, type HttpAnswer, type HttpGetOptions } from '../support/http-get.js';
import { networkErrorCode } from '../support/network-error-code.js';

/** The address to dial first for a host name, or undefined to dial the name as it is. */
export function loopbackAddressOf(hostname: string): string | undefined {
  return hostname.toLowerCase() === 'localhost' ? '127.0.0.1' : undefined;
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
    if (networkErrorCode(error) !== 'ECONNREFUSED') throw error;
  }
  return attempt(hostname);
}

/** A URL's host name as a socket dials it: an IPv6 address without the brackets a URL writes. */
export function socketHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '');
}

/** A GET of a local endpoint (LocalStack's health and init state), dialled by address first. */
export function httpGetLoopbackFirst(url: string, options: Omit<HttpGetOptions, 'dialHost'> = {}): Promise<HttpAnswer> {
  return dialLoopbackFirst(new URL(url).hostname, (host) => httpGet(url, { ...options, dialHost: socketHost(host) }));
}
