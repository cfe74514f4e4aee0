// JSON logs (pino) with one correlation id per request: taken from the X-Request-Id header or made
// up, returned in the response, and sent along in the `x-correlation-id` header of NATS requests,
// whose handlers log with the same id.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestMethod, type ExecutionContext } from '@nestjs/common';
import { PinoLogger, type Params } from 'nestjs-pino';

export const CORRELATION_HEADER = 'x-correlation-id';

/** A request's correlation id: its X-Request-Id header when it is a sensible one, else a new UUID. */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

export function loggerParams(serviceName: string, level: string): Params {
  return {
    // Every route (under Fastify, nestjs-pino's default route pattern reaches none).
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      base: { service: serviceName },
      // The HTTP server gives each request its id (requestIdOf) before this middleware runs.
      genReqId: (request: IncomingMessage) => (request as IncomingMessage & { id?: string }).id ?? requestIdOf(request),
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      // The URL as the client sent it (a middleware sees its own mount path stripped from url).
      autoLogging: { ignore: (request) => ['/health', '/metrics'].includes((request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '') },
    },
    microservice: {
      // A refusal with a stable 4xx code is the caller's business, not an error of ours.
      customLogLevel: (_context: ExecutionContext, error?: Error) => {
        if (!error) return 'info';
        const status = (error as Error & { status?: unknown }).status;
        return typeof status === 'number' && status < 500 ? 'warn' : 'error';
      },
      genReqId: (context: ExecutionContext) => {
        const headers = context.switchToRpc().getContext<{ getHeaders?: () => { get(name: string): string } | undefined }>()?.getHeaders?.();
        const given = headers?.get(CORRELATION_HEADER);
        return given && given.length > 0 ? given : randomUUID();
      },
    },
  };
}

/**
 * The correlation id of the request or message being handled (to pass on to NATS): a NATS
 * message's logger has it bound as `reqId` (the microservice logging's quiet child); an HTTP
 * request's has the request bound as `req`, with its id.
 */
export function currentCorrelationId(logger: Pick<PinoLogger, 'logger'>): string | undefined {
  const bindings = logger.logger.bindings() as { reqId?: unknown; req?: { id?: unknown } } | undefined;
  const id = bindings?.reqId ?? bindings?.req?.id;
  return typeof id === 'string' ? id : id !== undefined && id !== null ? String(id) : undefined;
}
