// Payloads of the credit service's events and request-reply subjects. Amounts are decimal strings
// in the currency's minor units; times are ISO strings of chain time.
import type { ChainProof } from './envelope.js';

export type CreditAccountStatus = 'ACTIVE' | 'FROZEN' | 'CLOSED';
export type CreditApplicationStatus = 'SUBMITTED' | 'APPROVED' | 'REJECTED' | 'WITHDRAWN';
export type CreditLineStatus = 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
/** Who signed: the enterprise's key, the merchant's key, or the attestor of the enterprise's organisation. */
export type CreditParty = 'ENTERPRISE' | 'MERCHANT' | 'ORGANISATION';

/** A credit line as every service sees it (the credit view). */
export interface CreditLineView {
  id: string;
  creditAccountId: string;
  enterprise: string;
  enterpriseOrgId: string;
  merchant: string;
  merchantOrgId: string;
  currency: string;
  limit: string;
  used: string;
  available: string;
  termDays: number;
  expiresAt: string;
  /** ACTIVE and not expired at the latest block. */
  usable: boolean;
  status: CreditLineStatus;
  utilisationThresholds: number[];
  chain: ChainProof;
}

/** `<ns>.credit.credit-line.get` */
export interface CreditLineGetRequest {
  lineId: string;
}
export type CreditLineGetReply = CreditLineView | null;

export interface CreditAccountEventData {
  operationId: string;
  creditAccountId: string;
  enterprise: string;
  currency: string;
  ceiling?: string;
  actor?: CreditParty;
}

export interface CreditApplicationEventData {
  operationId: string;
  applicationId: string;
  enterprise: string;
  enterpriseOrgId: string;
  merchant: string;
  merchantOrgId: string;
  currency: string;
  requestedLimit?: string;
  limit?: string;
  reasonCode?: number;
}

export interface CreditLineEventData {
  operationId: string | null;
  lineId: string;
  enterprise: string;
  enterpriseOrgId: string;
  merchant: string;
  merchantOrgId: string;
  currency: string;
  limit: string;
  used: string;
  status: CreditLineStatus;
  actor?: CreditParty;
}

/** `credit-line.utilisation-crossed`: `used` rose to or past `thresholdPercent` of the limit. */
export interface UtilisationCrossedData {
  lineId: string;
  enterprise: string;
  enterpriseOrgId: string;
  merchant: string;
  merchantOrgId: string;
  currency: string;
  thresholdPercent: number;
  used: string;
  limit: string;
}
