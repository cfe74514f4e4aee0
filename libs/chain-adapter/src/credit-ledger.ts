// Operations and reads of CreditLedger, built from the same messages the parties sign.
import { AbiCoder, hexlify, keccak256, toUtf8Bytes } from 'ethers';
import type { ChainClient } from './chain-client.js';
import { interfaceOf } from './contracts.js';
import type { Operation } from './operation.js';

const coder = AbiCoder.defaultAbiCoder();

/** Enum codes of CreditLedger (the order of the Solidity enums). */
export const partyCodes = { ENTERPRISE: 1, MERCHANT: 2, ORGANISATION: 3 } as const;
export type Party = keyof typeof partyCodes;
export const creditAccountActionCodes = { FREEZE: 1, UNFREEZE: 2, CLOSE: 3 } as const;
export type CreditAccountAction = keyof typeof creditAccountActionCodes;
export const creditLineActionCodes = { ADJUST_LIMIT: 1, SUSPEND: 2, RESUME: 3, CLOSE: 4 } as const;
export type CreditLineAction = keyof typeof creditLineActionCodes;
export const decisionOutcomeCodes = { APPROVE: 1, REJECT: 2 } as const;
export type DecisionOutcome = keyof typeof decisionOutcomeCodes;
export const creditAccountStatuses = ['NONE', 'ACTIVE', 'FROZEN', 'CLOSED'] as const;
export const creditLineStatuses = ['NONE', 'ACTIVE', 'SUSPENDED', 'CLOSED'] as const;
export const applicationStatuses = ['NONE', 'SUBMITTED', 'APPROVED', 'REJECTED', 'WITHDRAWN'] as const;
export const billStatuses = ['NONE', 'UNSETTLED', 'IN_SETTLEMENT', 'SETTLED', 'REFUNDED'] as const;
export const parties = ['NONE', 'ENTERPRISE', 'MERCHANT', 'ORGANISATION'] as const;

/** ISO 4217 code → `bytes3` (upper-case letters only). */
export function currencyCodeToBytes3(currency: string): string {
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`invalid currency code: ${currency}`);
  return hexlify(toUtf8Bytes(currency));
}

export function bytes3ToCurrencyCode(value: string): string {
  return Buffer.from(value.replace(/^0x/, ''), 'hex').toString('ascii');
}

/** `keccak256(abi.encode(enterprise, currency))`: the id of an enterprise's credit account. */
export function creditAccountIdOf(enterprise: string, currency: string): string {
  return keccak256(coder.encode(['address', 'bytes3'], [enterprise, currencyCodeToBytes3(currency)]));
}

/** keccak256 of a free-text reference (the chain keeps only the hash). */
export function referenceHashOf(reference: string): string {
  return keccak256(toUtf8Bytes(reference));
}

export interface CreditCeilingMessage {
  operationId: string;
  enterprise: string;
  currency: string; // bytes3 hex
  ceiling: bigint;
  deadline: bigint;
}

export interface CreditAccountChangeMessage {
  operationId: string;
  creditAccountId: string;
  action: number;
  actor: number;
  deadline: bigint;
}

export interface CreditApplicationMessage {
  operationId: string;
  enterprise: string;
  merchant: string;
  currency: string; // bytes3 hex
  requestedLimit: bigint;
  termDays: number;
  expiresAt: bigint;
  referenceHash: string;
  deadline: bigint;
}

export interface CreditDecisionMessage {
  operationId: string;
  applicationId: string;
  outcome: number;
  limit: bigint;
  reasonCode: number;
  deadline: bigint;
}

export interface CreditApplicationWithdrawalMessage {
  operationId: string;
  applicationId: string;
  deadline: bigint;
}

export interface CreditLineChangeMessage {
  operationId: string;
  lineId: string;
  action: number;
  actor: number;
  limit: bigint;
  deadline: bigint;
}

const ledger = () => interfaceOf('CreditLedger');

function nameOf<T extends Record<string, number>>(codes: T, code: number): string {
  return (Object.keys(codes) as Array<keyof T & string>).find((key) => codes[key] === code) ?? String(code);
}

export function setCeilingOperation(message: CreditCeilingMessage, attestorSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'credit-account.set-ceiling',
    contract: 'CreditLedger',
    calldata: ledger().encodeFunctionData('setCeiling', [message, attestorSignature]),
  };
}

export function changeCreditAccountOperation(message: CreditAccountChangeMessage, signature: string): Operation {
  return {
    operationId: message.operationId,
    kind: `credit-account.${nameOf(creditAccountActionCodes, message.action).toLowerCase()}`,
    contract: 'CreditLedger',
    calldata: ledger().encodeFunctionData('changeCreditAccount', [message, signature]),
  };
}

export function submitApplicationOperation(message: CreditApplicationMessage, enterpriseSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'credit-application.submit',
    contract: 'CreditLedger',
    calldata: ledger().encodeFunctionData('submitApplication', [message, enterpriseSignature]),
  };
}

export function decideApplicationOperation(message: CreditDecisionMessage, merchantSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: `credit-application.${nameOf(decisionOutcomeCodes, message.outcome).toLowerCase()}`,
    contract: 'CreditLedger',
    calldata: ledger().encodeFunctionData('decideApplication', [message, merchantSignature]),
  };
}

export function withdrawApplicationOperation(message: CreditApplicationWithdrawalMessage, enterpriseSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'credit-application.withdraw',
    contract: 'CreditLedger',
    calldata: ledger().encodeFunctionData('withdrawApplication', [message, enterpriseSignature]),
  };
}

export function changeCreditLineOperation(message: CreditLineChangeMessage, signature: string): Operation {
  return {
    operationId: message.operationId,
    kind: `credit-line.${nameOf(creditLineActionCodes, message.action).toLowerCase().replace('_', '-')}`,
    contract: 'CreditLedger',
    calldata: ledger().encodeFunctionData('changeCreditLine', [message, signature]),
  };
}

export interface ChainCreditAccount {
  enterprise: string;
  currency: string;
  status: (typeof creditAccountStatuses)[number];
  frozenBy: (typeof parties)[number];
  openSettlements: number;
  ceiling: bigint;
  used: bigint;
}

export interface ChainCreditLine {
  creditAccountId: string;
  enterprise: string;
  merchant: string;
  currency: string;
  status: (typeof creditLineStatuses)[number];
  termDays: number;
  expiresAt: bigint;
  limit: bigint;
  used: bigint;
}

export interface ChainBill {
  lineId: string;
  amount: bigint;
  refunded: bigint;
  dueAt: bigint;
  status: (typeof billStatuses)[number];
  settlementId: string;
}

/** Reads of the ledger's state (reconciliation, tests, pre-checks). */
export async function readCreditAccount(chain: ChainClient, creditAccountId: string): Promise<ChainCreditAccount> {
  const record = await chain.contract('CreditLedger').getFunction('creditAccountOf')(creditAccountId);
  return {
    enterprise: record.enterprise,
    currency: bytes3ToCurrencyCode(record.currency),
    status: creditAccountStatuses[Number(record.status)],
    frozenBy: parties[Number(record.frozenBy)],
    openSettlements: Number(record.openSettlements),
    ceiling: record.ceiling,
    used: record.used,
  };
}

export async function readCreditLine(chain: ChainClient, lineId: string): Promise<ChainCreditLine> {
  const record = await chain.contract('CreditLedger').getFunction('creditLineOf')(lineId);
  return {
    creditAccountId: record.creditAccountId,
    enterprise: record.enterprise,
    merchant: record.merchant,
    currency: bytes3ToCurrencyCode(record.currency),
    status: creditLineStatuses[Number(record.status)],
    termDays: Number(record.termDays),
    expiresAt: record.expiresAt,
    limit: record.limit,
    used: record.used,
  };
}

export async function readBill(chain: ChainClient, billId: string): Promise<ChainBill> {
  const record = await chain.contract('CreditLedger').getFunction('billOf')(billId);
  return {
    lineId: record.lineId,
    amount: record.amount,
    refunded: record.refunded,
    dueAt: record.dueAt,
    status: billStatuses[Number(record.status)],
    settlementId: record.settlementId,
  };
}
