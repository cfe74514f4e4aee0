// Payloads of the registration service's events and request-reply subjects.
import type { ChainProof } from './envelope.js';

export type AccountKind = 'ENTERPRISE' | 'MERCHANT';
export type AccountStatus = 'ACTIVE' | 'FROZEN' | 'CLOSED';

/** An account as every service sees it (the registration view). */
export interface AccountView {
  address: string;
  orgId: string;
  kind: AccountKind;
  status: AccountStatus;
  custody: 'CUSTODIAL' | 'SELF_CUSTODY' | null;
  qualification: { certificateHash: string; expiresAt: string; lapsed: boolean };
  registeredAt: string;
  chain: ChainProof;
}

export interface AccountEventData {
  operationId: string;
  address: string;
  orgId: string;
}

export interface AccountRegisteredData extends AccountEventData {
  kind: AccountKind;
  certificateHash: string;
  qualificationExpiresAt: string;
}

export interface QualificationRenewedData extends AccountEventData {
  certificateHash: string;
  qualificationExpiresAt: string;
}

export interface OrganisationEventData {
  orgId: string;
  code: string;
}

export interface ApiKeyIssuedData {
  keyId: string;
  orgId: string;
  secretHash: string;
  createdAt: string;
}

export interface ApiKeyRevokedData {
  keyId: string;
  orgId: string;
  revokedAt: string;
}

/** `<ns>.registration.account.get` */
export interface AccountGetRequest {
  address: string;
}
export type AccountGetReply = AccountView | null;

/**
 * `<ns>.registration.signature.create`: signs one of Tally's declared EIP-712 types with a custodial
 * account key of `orgId`, or with `orgId`'s attestor key.
 */
export interface SignatureCreateRequest {
  orgId: string;
  signer: { kind: 'ACCOUNT'; address: string } | { kind: 'ATTESTOR' };
  primaryType: string;
  message: Record<string, string | number | boolean>;
}
export interface SignatureCreateReply {
  signer: string;
  signature: string;
}
