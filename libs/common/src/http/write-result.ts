// What a write endpoint answers: the recorded resource (201/200), or 202 with the operation's status
// URL when the chain has not recorded it within the request timeout.
import type { OperationStatusDto } from './operation-status.js';
import { TallyError } from '../errors/tally-error.js';
import type { Principal } from '../auth/auth.guard.js';

export type WriteResult<T> = { status: 'RECORDED'; body: T } | { status: 'PENDING'; body: OperationStatusDto };

/** The part of Express's response a controller needs to choose the status code. */
export type StatusSetter = { status(code: number): void };

/** Sets 202 for a pending write, `recordedStatus` otherwise, and returns the body. */
export function answer<T>(result: WriteResult<T>, response: StatusSetter, recordedStatus: number): T | OperationStatusDto {
  response.status(result.status === 'RECORDED' ? recordedStatus : 202);
  return result.body;
}

/** The calling organisation's id; the operator credential cannot act for an organisation. */
export function organisationOf(principal: Principal): string {
  if (principal.kind !== 'organisation') throw new TallyError('FORBIDDEN', { requires: ['organisation'] });
  return principal.orgId;
}
