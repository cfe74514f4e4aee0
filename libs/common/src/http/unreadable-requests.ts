// Requests the HTTP server refuses before any route or hook sees them get the API's error body
// (docs/errors.md) and an X-Request-Id like every other answer, instead of Fastify's own body: a
// path with bad percent-encoding (400) or a parameter over the length limit (414) — Fastify's
// frameworkErrors — and what Node's HTTP parser cannot read — headers over its size limit (431),
// chunk extensions over theirs (413), a request not received within the server's timeout (408),
// bytes that are not HTTP (400) — which only a raw answer on the socket can reach (Fastify's
// clientErrorHandler). Logged at debug: anyone can open a connection and send garbage, so these
// lines must not flood the log (Fastify's own handler logs them at trace).
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { malformed } from '../errors/http-error.filter.js';
import { TallyError } from '../errors/tally-error.js';

const logger = new Logger('HttpServer');

/** frameworkErrors: the router refused the path (the request has its id: requestIdOf); anything not 4xx is ours. */
function refusedPath(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500;
  void reply.header('X-Request-Id', request.id);
  if (status >= 500) {
    logger.error({ requestId: request.id, err: error.message }, 'the router failed');
    void reply.code(500).send(new TallyError('INTERNAL').toBody());
    return;
  }
  logger.debug({ requestId: request.id, reason: error.message }, 'refused a request whose path could not be read');
  void reply.code(status).send(malformed(error.message));
}

/** Status and reason of a parser error (Node's own answers: lib/_http_server.js). */
function unreadable(code: string | undefined): [number, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'the request headers are over the size limit'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'the chunk extensions are over the size limit'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'the request was not received in time'];
    default:
      return [400, 'the request is not readable HTTP'];
  }
}

/** clientErrorHandler: Node's parser could not read the request; nothing of it can be trusted, so its id is new. */
function unreadableRequest(error: Error & { code?: string }, socket: Socket): void {
  // A connection the client reset or that is already gone has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason] = unreadable(error.code);
  const requestId = randomUUID();
  logger.debug({ requestId, status, reason, parserError: error.code }, 'refused a request the HTTP server could not read');
  // Not while an answer to an earlier request on the connection is being written (its bytes would mix).
  const answering = (socket as Socket & { _httpMessage?: { _headerSent?: boolean } })._httpMessage?._headerSent === true;
  if (socket.writable && !answering) {
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
