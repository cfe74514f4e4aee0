// Payloads of the settlement service's events, and the reconciliation snapshots every service
// answers over NATS. Amounts are decimal strings in minor units.

export interface BillEventData {
  billId: string;
  lineId: string;
  enterprise: string;
  enterpriseOrgId: string;
  merchant: string;
  merchantOrgId: string;
  currency: string;
  amount: string;
  refunded: string;
  status: string;
  settlementId: string | null;
  dueAt: string;
}

export interface SettlementEventData {
  settlementId: string;
  operationId: string;
  lineId: string;
  enterprise: string;
  enterpriseOrgId: string;
  merchant: string;
  merchantOrgId: string;
  currency: string;
  method: 'TOKEN' | 'OFFCHAIN';
  tokenClassId: string | null;
  total: string;
  billIds: string[];
  status: string;
  reasonCode?: number;
  afterDeadline?: boolean;
}

export interface ClearingReportAnchoredData {
  reportId: string;
  root: string;
  periodStart: string;
  periodEnd: string;
  settlementCount: number;
}

/** `<ns>.<service>.reconciliation.get`: at most this many rows of each kind are returned. */
export const MAX_RECONCILIATION_ROWS = 10_000;

export interface ReconciliationSnapshotRequest {
  /** Rows after this key, for paging (not needed below MAX_RECONCILIATION_ROWS). */
  after?: string;
}

/** What a service's views say, to be compared with the chain and with the other services. */
export interface ReconciliationSnapshot {
  service: string;
  /** The last block the service's projector applied. */
  projectedBlock: string;
  truncated: boolean;
  accounts?: Array<{ address: string; status: string }>;
  creditLines?: Array<{ id: string; creditAccountId: string; used: string; limit: string; status: string }>;
  creditAccounts?: Array<{ id: string; used: string; ceiling: string; status: string }>;
  /** Per line, Σ (amount − refunded) of credit payments not SETTLED or REFUNDED. */
  outstandingByLine?: Array<{ lineId: string; outstanding: string }>;
  /** Per token class: Σ balances of holders, and the escrow (the token contract's own balance). */
  tokenBalances?: Array<{ tokenClassId: string; holders: string; escrow: string }>;
  /** Per token class, Σ totals of open TOKEN settlements. */
  openEscrow?: Array<{ tokenClassId: string; amount: string }>;
  /** Operation ids that appear more than once in a view (always empty unless a view is broken). */
  duplicateOperationIds?: string[];
}
