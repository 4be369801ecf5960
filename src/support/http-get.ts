/**
 * A plain GET over node:http(s), for the local endpoints datalayer only reads (LocalStack's health
 * and init state). Not `fetch`: on Node 20 its first use loads undici and compiles undici's HTTP
 * parser to WebAssembly in the background, and a process that has finished still waits for that
 * compilation before it exits (a quarter of a second on two cores), on every `up` and `status`.
 */
import type { IncomingMessage } from 'node:http';

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpGetOptions {
  signal?: AbortSignal;
  /** The address to connect to instead of the URL's host name, which the request still names (Host). */
  dialHost?: string;
}

/** GETs `url` and reads the whole body. Network failures reject with Node's error (its `code`); an ended `signal` rejects with its reason. */
export async function httpGet(url: string, { signal, dialHost }: HttpGetOptions = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const plain = target.protocol !== 'https:';
  const { request } = plain ? await import('node:http') : await import('node:https');
  const dialled = dialHost === undefined ? {} : { hostname: dialHost };
  const headers = { accept: 'application/json', ...(dialHost === undefined ? {} : { host: target.host }) };
  // Plain HTTP has no TLS server name; left unset, Node's agent derives one by asking whether the
  // host is an IP address, whose first answer for a name compiles Node's IPv6 pattern (~10 ms).
  const serverName = plain ? { servername: '' } : {};
  try {
    return await new Promise<HttpAnswer>((resolve, reject) => {
      const options = { method: 'GET', ...(signal ? { signal } : {}), headers, ...serverName, ...dialled };
      const sent = request(target, options, (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      sent.on('error', reject);
      sent.end();
    });
  } catch (error) {
    // node:http reports an abort as its own AbortError; the caller asked with a signal whose reason
    // says why (a timeout, an interruption).
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
