// Operations and reads of Settlements, and the clearing report's Merkle tree (OpenZeppelin's
// StandardMerkleTree, whose leaves the contract verifies with MerkleProof).
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { keccak256, solidityPacked } from 'ethers';
import type { ChainClient } from './chain-client.js';
import { interfaceOf } from './contracts.js';
import type { Operation } from './operation.js';

export const settlementMethods = ['NONE', 'TOKEN', 'OFFCHAIN'] as const;
export type SettlementMethod = Exclude<(typeof settlementMethods)[number], 'NONE'>;
export const settlementMethodCodes = { TOKEN: 1, OFFCHAIN: 2 } as const;
export const settlementStatuses = ['NONE', 'INITIATED', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const;
export const settlementOutcomeCodes = { CONFIRM: 1, REJECT: 2 } as const;
/** The most bills one settlement carries (CreditLedger.MAX_BILLS_PER_SETTLEMENT). */
export const maxBillsPerSettlement = 100;

/** keccak256 of the packed bill ids: what the enterprise signs for the bills of a settlement. */
export function billsHashOf(billIds: string[]): string {
  return billIds.length === 0 ? keccak256('0x') : keccak256(solidityPacked(billIds.map(() => 'bytes32'), billIds));
}

export interface SettlementMessage {
  operationId: string;
  lineId: string;
  billsHash: string;
  total: bigint;
  method: number;
  tokenId: bigint;
  bankReferenceHash: string;
  responseDeadline: bigint;
  deadline: bigint;
}

export interface SettlementDecisionMessage {
  operationId: string;
  settlementId: string;
  outcome: number;
  reasonCode: number;
  deadline: bigint;
}

export interface SettlementCancellationMessage {
  operationId: string;
  settlementId: string;
  deadline: bigint;
}

const settlements = () => interfaceOf('Settlements');

export function initiateSettlementOperation(message: SettlementMessage, billIds: string[], enterpriseSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'settlement.initiate',
    contract: 'Settlements',
    // New storage for the settlement and its escrow, and two writes and an event per bill.
    gas: 450_000n + 60_000n * BigInt(billIds.length),
    calldata: settlements().encodeFunctionData('initiate', [message, billIds, enterpriseSignature]),
  };
}

export function decideSettlementOperation(message: SettlementDecisionMessage, billIds: string[], merchantSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: message.outcome === settlementOutcomeCodes.CONFIRM ? 'settlement.confirm' : 'settlement.reject',
    contract: 'Settlements',
    gas: 250_000n + 40_000n * BigInt(billIds.length),
    calldata: settlements().encodeFunctionData('decide', [message, billIds, merchantSignature]),
  };
}

/** A cancellation; after the response deadline the signature may be empty ("0x"). */
export function cancelSettlementOperation(message: SettlementCancellationMessage, billIds: string[], enterpriseSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'settlement.cancel',
    contract: 'Settlements',
    gas: 250_000n + 40_000n * BigInt(billIds.length),
    calldata: settlements().encodeFunctionData('cancel', [message, billIds, enterpriseSignature]),
  };
}

export interface ClearingAnchorMessage {
  operationId: string;
  root: string;
  periodStart: bigint;
  periodEnd: bigint;
  settlementCount: number;
  deadline: bigint;
}

/** Anchors a clearing report's root; the consortium operator signs. */
export function anchorClearingRootOperation(message: ClearingAnchorMessage, operatorSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'clearing.anchor',
    contract: 'Settlements',
    calldata: settlements().encodeFunctionData('anchorClearingRoot', [message, operatorSignature]),
  };
}

/**
 * One settlement that moved value between organisations: tokens issued by `debtorOrgId` settled a
 * bill of a merchant of `creditorOrgId`, so the issuer owes the merchant's organisation `amount`.
 */
export interface ClearingEntry {
  settlementId: string;
  debtorOrgId: string; // bytes32
  creditorOrgId: string; // bytes32
  currency: string; // bytes3
  amount: bigint;
}

export const clearingLeafEncoding = ['bytes32', 'bytes32', 'bytes32', 'bytes3', 'uint256'];

/** The Merkle tree of a clearing report's entries (sorted by settlement id, so the root is canonical). */
export function clearingTreeOf(entries: ClearingEntry[]): StandardMerkleTree<[string, string, string, string, string]> | null {
  if (entries.length === 0) return null;
  const values = [...entries]
    .sort((a, b) => (a.settlementId < b.settlementId ? -1 : a.settlementId > b.settlementId ? 1 : 0))
    .map((entry) => [entry.settlementId, entry.debtorOrgId, entry.creditorOrgId, entry.currency, entry.amount.toString()] as [string, string, string, string, string]);
  return StandardMerkleTree.of(values, clearingLeafEncoding, { sortLeaves: false });
}

export interface ChainSettlement {
  lineId: string;
  billsHash: string;
  enterprise: string;
  merchant: string;
  status: (typeof settlementStatuses)[number];
  method: (typeof settlementMethods)[number];
  responseDeadline: bigint;
  tokenId: bigint;
  total: bigint;
}

export async function readSettlement(chain: ChainClient, settlementId: string): Promise<ChainSettlement> {
  const record = await chain.contract('Settlements').getFunction('settlementOf')(settlementId);
  return {
    lineId: record.lineId,
    billsHash: record.billsHash,
    enterprise: record.enterprise,
    merchant: record.merchant,
    status: settlementStatuses[Number(record.status)],
    method: settlementMethods[Number(record.method)],
    responseDeadline: record.responseDeadline,
    tokenId: record.tokenId,
    total: record.total,
  };
}
