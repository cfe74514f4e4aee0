// Payloads of the payment service's events. Amounts are decimal strings in minor units; token
// class ids are uint256 decimal strings.

export interface TokenClassRegisteredData {
  operationId: string;
  tokenClassId: string;
  issuerOrgId: string;
  symbol: string;
  currency: string;
  decimals: number;
}

export interface TokenAcceptanceChangedData {
  operationId: string;
  merchant: string;
  tokenClassId: string;
  accepted: boolean;
}

/** issuance.recorded, redemption.recorded, transfer.recorded */
export interface TokenMovementData {
  operationId: string;
  tokenClassId: string;
  from: string | null;
  to: string | null;
  amount: string;
}

export interface PaymentRecordedData {
  paymentId: string;
  kind: 'CREDIT' | 'TOKEN';
  payer: string;
  payerOrgId: string;
  payee: string;
  payeeOrgId: string;
  lineId: string | null;
  tokenClassId: string | null;
  amount: string;
  /** Credit payments: when the bill is due (chain time, ISO). */
  dueAt: string | null;
}

export interface PaymentStatusChangedData {
  paymentId: string;
  status: string;
  refunded: string;
}

export interface RefundRecordedData {
  refundId: string;
  paymentId: string;
  amount: string;
  paymentStatus: string;
}
