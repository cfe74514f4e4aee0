// NATS request-reply: a client that sends the correlation id along and turns error replies back
// into TallyErrors, and the filter that makes handlers' TallyErrors into those replies.
import { ArgumentsHost, Catch, Inject, Injectable, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { ClientProxy, NatsRecordBuilder } from '@nestjs/microservices';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { PinoLogger } from 'nestjs-pino';
import { firstValueFrom, throwError, timeout, type Observable } from 'rxjs';
import { TallyError, type ErrorBody } from '../errors/tally-error.js';
import { CORRELATION_HEADER, currentCorrelationId } from '../observability/logging.js';

export const NATS_CLIENT = Symbol('NATS_CLIENT');
const DEFAULT_RPC_TIMEOUT_MS = 5_000;

@Injectable()
export class NatsRequester {
  constructor(
    @Inject(NATS_CLIENT) private readonly client: ClientProxy,
    private readonly logger: PinoLogger,
  ) {}

  async request<TReply>(subject: string, payload: unknown, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<TReply> {
    const messageHeaders = natsHeaders();
    const correlationId = currentCorrelationId(this.logger);
    if (correlationId) messageHeaders.set(CORRELATION_HEADER, correlationId);
    const record = new NatsRecordBuilder(payload).setHeaders(messageHeaders).build();
    try {
      return await firstValueFrom(this.client.send<TReply>(subject, record).pipe(timeout(timeoutMs)));
    } catch (error) {
      if (TallyError.isErrorBody(error)) throw TallyError.fromBody(error);
      throw new TallyError('DEPENDENCY_UNAVAILABLE', {
        subject,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** Replies to a failed request with the error body `{ code, message, details }`. */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    if (exception instanceof TallyError) return throwError(() => exception.toBody());
    this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    const body: ErrorBody = new TallyError('INTERNAL').toBody();
    void host;
    return throwError(() => body);
  }
}
