import { createHash } from 'node:crypto';
import { ExecutionContext, createParamDecorator, applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { TallyError } from '../errors/tally-error.js';

const keyPattern = /^[\x21-\x7e]{1,255}$/;

/** The request's Idempotency-Key header (1-255 printable ASCII characters), required on writes. */
export const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const value = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['idempotency-key'];
  if (typeof value !== 'string' || !keyPattern.test(value)) throw new TallyError('IDEMPOTENCY_KEY_REQUIRED');
  return value;
});

/** OpenAPI for a write: the Idempotency-Key header and the 202/422 answers every write can give. */
export function ApiWrite(): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description: 'Unique per operation; a retry with the same key returns the same result.',
    }),
    ApiResponse({ status: 202, description: 'Accepted; the chain has not recorded it yet — poll statusUrl' }),
    ApiResponse({ status: 422, description: 'IDEMPOTENCY_KEY_REUSED, BAD_SIGNATURE, … (see docs/errors.md)' }),
  );
}

/** sha256 of the canonical JSON of a request body: what "the same request" means for a key. */
export function requestHashOf(body: unknown): string {
  return '0x' + createHash('sha256').update(canonical(body)).digest('hex');
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value as object)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
    .join(',')}}`;
}
