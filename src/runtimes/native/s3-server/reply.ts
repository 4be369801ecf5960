import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Authentication } from './authenticate.js';
import type { MultipartStore } from './multipart-store.js';
import type { ObjectStore } from './object-store.js';
import type { RequestTarget } from './request-target.js';

/** What a handler answers; the server writes it (and its errors) the same way for all. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
}

/** Everything a handler may use: the parsed, authenticated request and the stores. */
export interface RequestContext {
  target: RequestTarget;
  /** The body, not yet read: handlers read it through `receiveBody`. */
  request: IncomingMessage;
  auth: Authentication;
  store: ObjectStore;
  multipart: MultipartStore;
}

export const XML_HEADERS = { 'Content-Type': 'application/xml' } as const;

export function xmlReply(body: string, status = 200): Reply {
  return { status, headers: { ...XML_HEADERS }, body };
}

/** The bucket of a bucket or object request (the router only calls handlers that have one). */
export function bucketOf(context: RequestContext): string {
  return context.target.bucket ?? '';
}
