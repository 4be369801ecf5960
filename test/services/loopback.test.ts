import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dialLoopbackFirst, httpGetLoopbackFirst, loopbackAddressOf, socketHost } from '../../src/services/loopback.js';

/** A real HTTP server on `address` that answers with the Host header it received. */
async function hostEcho(address: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => response.end(JSON.stringify({ host: request.headers.host })));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, address, resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('dialLoopbackFirst', () => {
  it.each([
    ['localhost', '127.0.0.1'],
    ['LocalHost', '127.0.0.1'],
    ['127.0.0.1', undefined],
    ['::1', undefined],
    ['db.example.com', undefined],
  ])('%s is dialled first as %s', (hostname, address) => {
    expect(loopbackAddressOf(hostname)).toBe(address);
  });

  it('dials localhost as 127.0.0.1 and stops there when it answers', async () => {
    const dialled: string[] = [];
    expect(await dialLoopbackFirst('localhost', async (host) => (dialled.push(host), `answer from ${host}`))).toBe('answer from 127.0.0.1');
    expect(dialled).toEqual(['127.0.0.1']);
  });

  it('dials the name when the address refused (a server on ::1 alone), also through wrappers', async () => {
    for (const failure of [refused(), new Error('S3 not reachable', { cause: refused() }), new AggregateError([refused()])]) {
      const dialled: string[] = [];
      const answer = await dialLoopbackFirst('localhost', async (host) => {
        dialled.push(host);
        if (host === '127.0.0.1') throw failure;
        return 'by name';
      });
      expect(answer).toBe('by name');
      expect(dialled).toEqual(['127.0.0.1', 'localhost']);
    }
  });

  it('any other failure of the address is the answer: a refused login is the same by name', async () => {
    const dialled: string[] = [];
    const login = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    await expect(dialLoopbackFirst('localhost', async (host) => { dialled.push(host); throw login; })).rejects.toBe(login);
    expect(dialled).toEqual(['127.0.0.1']);
  });

  it('other names are dialled as they are, once', async () => {
    const dialled: string[] = [];
    await expect(dialLoopbackFirst('db.example.com', async (host) => { dialled.push(host); throw refused(); })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(dialled).toEqual(['db.example.com']);
  });
});

describe('socketHost', () => {
  it.each([
    ['[::1]', '::1'],
    ['127.0.0.1', '127.0.0.1'],
    ['localhost', 'localhost'],
  ])('%s is dialled as %s', (hostname, dialled) => {
    expect(socketHost(hostname)).toBe(dialled);
  });
});

describe('httpGetLoopbackFirst', () => {
  it('reaches a server on 127.0.0.1 for localhost, and the request still names localhost (Host)', async () => {
    const server = await hostEcho('127.0.0.1');
    try {
      const answer = await httpGetLoopbackFirst(`http://localhost:${server.port}/_localstack/health`);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({ host: `localhost:${server.port}` });
    } finally {
      await server.close();
    }
  });
});
