import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { errorAnswerOf } from './http-error.filter.js';

describe('errorAnswerOf', () => {
  const logger = { warn: jest.fn(), error: jest.fn() } as unknown as Logger;

  beforeEach(() => {
    jest.clearAllMocks();
  });

  it('answers a request body the client aborted (ECONNRESET with the server\'s 400) as a refused request, not as the chain', () => {
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(errorAnswerOf(aborted, logger)).toEqual({ status: 400, body: { code: 'VALIDATION_FAILED', message: 'The request is malformed.', details: { reason: 'aborted' } } });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('answers a chain node that reset its connection with CHAIN_UNAVAILABLE', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { status, body } = errorAnswerOf(reset, logger);
    expect({ status, code: body.code }).toEqual({ status: 503, code: 'CHAIN_UNAVAILABLE' });
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ code: 'CHAIN_UNAVAILABLE' }), 'the chain node did not answer');
  });

  it('answers anything else as INTERNAL and logs it', () => {
    expect(errorAnswerOf(new TypeError('a bug'), logger).status).toBe(500);
    expect(logger.error).toHaveBeenCalled();
  });
});
