import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import type { Logger } from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import { currentCorrelationId, loggerParams } from './logging.js';

/** The logger a handler of this HTTP request sees (nestjs-pino keeps the request's last logger), as our request logging makes it. */
function handlerLoggerOf(headers: Record<string, string>): Logger {
  const middleware = pinoHttp({ ...(loggerParams('test', 'warn').pinoHttp as Options), genReqId: (request) => (request.headers['x-request-id'] as string) ?? 'made-up' });
  const request = new IncomingMessage(new Socket());
  Object.assign(request, { method: 'POST', url: '/v1/payments', headers });
  middleware(request, new ServerResponse(request), () => undefined);
  return (request as IncomingMessage & { allLogs: Logger[] }).allLogs.at(-1)!;
}

describe('the correlation id passed on to NATS', () => {
  it('is the HTTP request\'s id (X-Request-Id) while a request is handled', () => {
    expect(currentCorrelationId({ logger: handlerLoggerOf({ 'x-request-id': 'trace-7', authorization: 'Bearer secret' }) })).toBe('trace-7');
  });

  it('is a NATS message\'s id while a message is handled (its logger has it bound as reqId)', () => {
    const root = handlerLoggerOf({});
    expect(currentCorrelationId({ logger: root.child({ reqId: 'from-nats' }) })).toBe('from-nats');
  });
});
