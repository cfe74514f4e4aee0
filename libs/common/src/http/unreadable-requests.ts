// Requests the HTTP server refuses before any route or hook sees them get the API's error body
// (`VALIDATION_FAILED`, docs/errors.md) and an X-Request-Id like every other answer, instead of
// Fastify's own body: a path with bad percent-encoding or a parameter over the length limit
// (Fastify's frameworkErrors), and what Node's HTTP parser cannot read — headers over its size
// limit (431), a request not received within the server's timeout (408), bytes that are not HTTP
// (400) — which only a raw answer on the socket can reach (Fastify's clientErrorHandler).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { malformed } from '../errors/http-error.filter.js';

const logger = new Logger('HttpServer');

/** frameworkErrors: the route lookup refused the path (the request has its id: requestIdOf). */
function refusedPath(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  logger.warn({ requestId: request.id, reason: error.message }, 'refused a request whose path could not be read');
  void reply.header('X-Request-Id', request.id).code(status).send(malformed(error.message));
}

/** clientErrorHandler: Node's parser could not read the request; nothing of it can be trusted, so its id is new. */
function unreadableRequest(error: Error & { code?: string }, socket: Socket): void {
  // A connection the client reset or that is already gone has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request headers are over the size limit']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time']
        : [400, 'the request is not readable HTTP'];
  const requestId = randomUUID();
  logger.warn({ requestId, status, reason, parserError: error.code }, 'refused a request the HTTP server could not read');
  if (socket.writable) {
    const body = JSON.stringify(malformed(reason));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The Fastify options that answer unreadable requests as the API answers everything else. */
export const unreadableRequestOptions: Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> = {
  frameworkErrors: refusedPath,
  clientErrorHandler: unreadableRequest,
};
