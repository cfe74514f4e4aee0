// Operations of AccountRegistry, built from the same messages the parties sign.
import { interfaceOf } from './contracts.js';
import type { Operation } from './operation.js';

export const accountKindCodes = { ENTERPRISE: 1, MERCHANT: 2 } as const;
export const statusActionCodes = { FREEZE: 1, UNFREEZE: 2, CLOSE: 3 } as const;
export type StatusAction = keyof typeof statusActionCodes;

/** The QualificationReview message (signed by the attestor) — also the `register` argument. */
export interface RegistrationMessage {
  operationId: string;
  account: string;
  orgId: string;
  kind: number;
  certificateHash: string;
  qualificationExpiresAt: bigint;
  deadline: bigint;
}

export interface QualificationRenewalMessage {
  operationId: string;
  account: string;
  certificateHash: string;
  qualificationExpiresAt: bigint;
  deadline: bigint;
}

export interface AccountStatusChangeMessage {
  operationId: string;
  account: string;
  action: number;
  deadline: bigint;
}

const registry = () => interfaceOf('AccountRegistry');

export function registerAccountOperation(
  message: RegistrationMessage,
  attestorSignature: string,
  accountSignature: string,
): Operation {
  return {
    operationId: message.operationId,
    kind: 'account.register',
    contract: 'AccountRegistry',
    calldata: registry().encodeFunctionData('register', [message, attestorSignature, accountSignature]),
  };
}

export function renewQualificationOperation(message: QualificationRenewalMessage, attestorSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'account.renew-qualification',
    contract: 'AccountRegistry',
    calldata: registry().encodeFunctionData('renewQualification', [message, attestorSignature]),
  };
}

export function changeAccountStatusOperation(message: AccountStatusChangeMessage, attestorSignature: string): Operation {
  const action = (Object.keys(statusActionCodes) as StatusAction[]).find((key) => statusActionCodes[key] === message.action);
  return {
    operationId: message.operationId,
    kind: `account.${(action ?? 'status').toLowerCase()}`,
    contract: 'AccountRegistry',
    calldata: registry().encodeFunctionData('changeStatus', [message, attestorSignature]),
  };
}
