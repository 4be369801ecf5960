/**
 * A plain GET over node:http(s) for LocalStack's own endpoints. Not fetch: on Node 20 the first
 * fetch loads Node's whole fetch implementation, which `up` on a running stack would pay for two
 * small local requests.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * Rejects with the socket error (its `code` says why), an error named TimeoutError when nothing
 * answered within `timeoutMs`, or the signal's reason once it aborts.
 */
export function httpGet(url: string, options: { timeoutMs: number; signal?: AbortSignal | undefined }): Promise<HttpAnswer> {
  const { signal } = options;
  return new Promise<HttpAnswer>((resolve, reject) => {
    const fail = (error: unknown) => reject(signal?.aborted ? signal.reason : error);
    const transport = url.startsWith('https:') ? https : http;
    const request = transport.get(url, { ...(signal ? { signal } : {}), timeout: options.timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', fail);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('no answer in time'), { name: 'TimeoutError' })));
    request.on('error', fail);
  });
}
