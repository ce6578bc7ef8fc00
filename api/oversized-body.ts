/**
 * After a 413, the client is usually still sending the body. Closing the connection at
 * once (fastify's default) makes the kernel answer the rest with a reset, and a client
 * that reads only after sending everything (Python's http.client, many SDKs) sees
 * ECONNRESET or a broken pipe instead of the 413. So the connection stays open and Node
 * discards the rest of the body; a client that has not finished sending within
 * DRAIN_MS is cut off, so an endless body cannot hold the connection.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyReply } from 'fastify';

const DRAIN_MS = 10_000;

export function drainAfterRefusal(request: IncomingMessage, reply: FastifyReply): void {
  reply.removeHeader('connection');
  if (request.complete) return;
  const cutOff = setTimeout(() => request.socket.destroy(), DRAIN_MS);
  cutOff.unref();
  request.once('end', () => clearTimeout(cutOff));
  request.once('close', () => clearTimeout(cutOff));
  // fastify stops listening for data at the limit; keep the stream flowing so the rest is discarded.
  request.resume();
}
