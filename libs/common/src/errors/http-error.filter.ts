// Maps every error to `{ code, message, details }` with the status of its code. Anything that is not
// a TallyError or a Nest HTTP exception is a fault of ours: logged with its stack, answered 500.
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { TallyError, type ErrorBody } from './tally-error.js';

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
  if (status === 413 || status === 400 || status === 415) {
    return { code: 'VALIDATION_FAILED', message: 'The request is malformed.', details: { reason: text } };
  }
  return { code: status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED', message: String(text), details: {} };
}

/** Errors of the chain client (ethers) that mean the node did not answer: the client should retry. */
const UNAVAILABLE_CODES = new Set(['TIMEOUT', 'NETWORK_ERROR', 'SERVER_ERROR', 'ECONNREFUSED', 'ECONNRESET']);

function isChainUnavailable(exception: unknown): boolean {
  const code = (exception as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<{ status(code: number): { json(body: unknown): void } }>();
    let status: number;
    let body: ErrorBody;
    if (exception instanceof TallyError) {
      status = exception.status;
      body = exception.toBody();
      if (status >= 500) this.logger.warn({ code: body.code, details: body.details }, body.message);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      body = fromHttpException(exception);
      if (status >= 500 && body.code !== 'DEPENDENCY_UNAVAILABLE') this.logger.error(exception);
    } else if (isChainUnavailable(exception)) {
      const error = new TallyError('CHAIN_UNAVAILABLE', { reason: (exception as { shortMessage?: string; message?: string }).shortMessage ?? String(exception) });
      status = error.status;
      body = error.toBody();
      this.logger.warn({ code: body.code, details: body.details }, 'the chain node did not answer');
    } else {
      status = 500;
      body = new TallyError('INTERNAL').toBody();
      this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    }
    response.status(status).json(body);
  }
}
