import { errorCatalogue, type ErrorCode } from './error-codes.js';

/** The body of every API error. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/**
 * An error with a stable code. Thrown by services and handlers, mapped to HTTP once (by
 * HttpErrorFilter) and carried unchanged over NATS request-reply.
 */
export class TallyError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly details: Record<string, unknown> = {},
    message?: string,
  ) {
    super(message ?? errorCatalogue[code].message);
    this.name = 'TallyError';
    this.status = errorCatalogue[code].status;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }

  static isErrorBody(value: unknown): value is ErrorBody {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as ErrorBody).code === 'string' &&
      (value as ErrorBody).code in errorCatalogue
    );
  }

  static fromBody(body: ErrorBody): TallyError {
    return new TallyError(body.code, body.details ?? {}, body.message);
  }
}
