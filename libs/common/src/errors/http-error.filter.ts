// Maps every error to `{ code, message, details }` with the status of its code. Anything that is not
// a TallyError, a Nest HTTP exception or an unreachable chain node is a fault of ours: logged with
// its stack, answered 500.
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { TallyError, type ErrorBody } from './tally-error.js';

/** A request that could not be read as one (not JSON, too large, …): VALIDATION_FAILED with why. */
export function malformed(reason: unknown): ErrorBody {
  return { code: 'VALIDATION_FAILED', message: 'The request is malformed.', details: { reason } };
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const text = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
  if (status === 404) return { code: 'NOT_FOUND', message: 'No such resource.', details: {} };
  if (status === 401) return new TallyError('UNAUTHENTICATED').toBody();
  if (status === 403) return new TallyError('FORBIDDEN').toBody();
  // GET /health: terminus answers 503 with the state of each dependency; keep it in details.
  if (status === 503 && typeof response === 'object' && response !== null && 'error' in response) {
    return { code: 'DEPENDENCY_UNAVAILABLE', message: 'A dependency is down; details.error says which.', details: response as Record<string, unknown> };
  }
  if (status === 413 || status === 400 || status === 415) return malformed(text);
  return { code: status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED', message: String(text), details: {} };
}

/** Errors of the chain client (ethers) that mean the node did not answer: the client should retry. */
const UNAVAILABLE_CODES = new Set(['TIMEOUT', 'NETWORK_ERROR', 'SERVER_ERROR', 'ECONNREFUSED', 'ECONNRESET']);

function isChainUnavailable(exception: unknown): boolean {
  const code = (exception as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
}

/**
 * A request the HTTP server refused before any route saw it: Fastify's FST_ERR_* errors with a 4xx
 * status (malformed JSON, a body over the limit, an unsupported content type), and a client that
 * reset its connection while sending the body (the request stream's ECONNRESET, to which Fastify
 * gives 400) — which must not pass for a chain node that did not answer (the chain clients' errors
 * carry no `statusCode`).
 */
function isRefusedRequest(exception: unknown): boolean {
  const { code, statusCode } = (exception ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return false;
  return code.startsWith('FST_') || code === 'ECONNRESET';
}

/** The API's error body (every 4xx and 5xx), for OpenAPI. */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 'CREDIT_LIMIT_EXCEEDED', description: 'Stable error code (docs/errors.md)' }) code: ErrorBody['code'];
  @ApiProperty() message: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

/**
 * The status and body an error is answered with: a TallyError with its own; a Nest HTTP exception
 * mapped to a code; a chain node that did not answer CHAIN_UNAVAILABLE; anything else INTERNAL
 * (a fault of ours, logged with its stack). Also answers each payment of a batch.
 */
export function errorAnswerOf(exception: unknown, logger: Logger): { status: number; body: ErrorBody } {
  if (exception instanceof TallyError) {
    const body = exception.toBody();
    if (exception.status >= 500) logger.warn({ code: body.code, details: body.details }, body.message);
    return { status: exception.status, body };
  }
  if (exception instanceof HttpException) {
    const body = fromHttpException(exception);
    if (exception.getStatus() >= 500 && body.code !== 'DEPENDENCY_UNAVAILABLE') logger.error(exception);
    return { status: exception.getStatus(), body };
  }
  if (isRefusedRequest(exception)) {
    const { statusCode, message } = exception as { statusCode: number; message: string };
    return { status: statusCode, body: malformed(message) };
  }
  if (isChainUnavailable(exception)) {
    const error = new TallyError('CHAIN_UNAVAILABLE', { reason: (exception as { shortMessage?: string; message?: string }).shortMessage ?? String(exception) });
    logger.warn({ code: error.code, details: error.details }, 'the chain node did not answer');
    return { status: error.status, body: error.toBody() };
  }
  logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
  return { status: 500, body: new TallyError('INTERNAL').toBody() };
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
    const { status, body } = errorAnswerOf(exception, this.logger);
    response.status(status).send(body);
  }
}
