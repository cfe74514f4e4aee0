// JSON logs (pino) with one correlation id per request: taken from the X-Request-Id header or made
// up, returned in the response, and sent along in the `x-correlation-id` header of NATS requests,
// whose handlers log with the same id.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionContext } from '@nestjs/common';
import { PinoLogger, type Params } from 'nestjs-pino';

export const CORRELATION_HEADER = 'x-correlation-id';

export function loggerParams(serviceName: string, level: string): Params {
  return {
    pinoHttp: {
      level,
      base: { service: serviceName },
      genReqId: (request: IncomingMessage, response: ServerResponse) => {
        const given = request.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
        response.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
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

/** The correlation id of the request or message being handled (to pass on to NATS). */
export function currentCorrelationId(logger: PinoLogger): string | undefined {
  const bindings = logger.logger.bindings() as { reqId?: unknown } | undefined;
  return typeof bindings?.reqId === 'string' ? bindings.reqId : bindings?.reqId !== undefined ? String(bindings.reqId) : undefined;
}
