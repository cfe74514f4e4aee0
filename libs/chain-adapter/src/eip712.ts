// Tally's EIP-712 domain and types, declared once. Contracts hash the same type strings; the APIs
// return these structures to self-custody signers, and custodial signing uses them too.
import { TypedDataEncoder } from 'ethers';
import type { ContractName } from './contracts.js';

export const typedDataTypes = {
  QualificationReview: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'account', type: 'address' },
    { name: 'orgId', type: 'bytes32' },
    { name: 'kind', type: 'uint8' },
    { name: 'certificateHash', type: 'bytes32' },
    { name: 'qualificationExpiresAt', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
  ],
  AccountKeyProof: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'account', type: 'address' },
    { name: 'orgId', type: 'bytes32' },
  ],
  QualificationRenewal: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'account', type: 'address' },
    { name: 'certificateHash', type: 'bytes32' },
    { name: 'qualificationExpiresAt', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
  ],
  AccountStatusChange: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'account', type: 'address' },
    { name: 'action', type: 'uint8' },
    { name: 'deadline', type: 'uint64' },
  ],
  CreditCeiling: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'enterprise', type: 'address' },
    { name: 'currency', type: 'bytes3' },
    { name: 'ceiling', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  CreditAccountChange: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'creditAccountId', type: 'bytes32' },
    { name: 'action', type: 'uint8' },
    { name: 'actor', type: 'uint8' },
    { name: 'deadline', type: 'uint64' },
  ],
  CreditApplication: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'enterprise', type: 'address' },
    { name: 'merchant', type: 'address' },
    { name: 'currency', type: 'bytes3' },
    { name: 'requestedLimit', type: 'uint256' },
    { name: 'termDays', type: 'uint32' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'referenceHash', type: 'bytes32' },
    { name: 'deadline', type: 'uint64' },
  ],
  CreditDecision: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'applicationId', type: 'bytes32' },
    { name: 'outcome', type: 'uint8' },
    { name: 'limit', type: 'uint256' },
    { name: 'reasonCode', type: 'uint16' },
    { name: 'deadline', type: 'uint64' },
  ],
  CreditApplicationWithdrawal: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'applicationId', type: 'bytes32' },
    { name: 'deadline', type: 'uint64' },
  ],
  CreditLineChange: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'lineId', type: 'bytes32' },
    { name: 'action', type: 'uint8' },
    { name: 'actor', type: 'uint8' },
    { name: 'limit', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  TokenClassRegistration: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'orgId', type: 'bytes32' },
    { name: 'symbol', type: 'bytes32' },
    { name: 'currency', type: 'bytes3' },
    { name: 'decimals', type: 'uint8' },
    { name: 'deadline', type: 'uint64' },
  ],
  Issuance: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'to', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  Redemption: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'from', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  TokenTransfer: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  TokenAcceptance: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'merchant', type: 'address' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'accepted', type: 'bool' },
    { name: 'deadline', type: 'uint64' },
  ],
  CreditPayment: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'lineId', type: 'bytes32' },
    { name: 'payee', type: 'address' },
    { name: 'amount', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  TokenPayment: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'payer', type: 'address' },
    { name: 'payee', type: 'address' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'amount', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  Refund: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'paymentId', type: 'bytes32' },
    { name: 'amount', type: 'uint256' },
    { name: 'deadline', type: 'uint64' },
  ],
  Settlement: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'lineId', type: 'bytes32' },
    { name: 'billsHash', type: 'bytes32' },
    { name: 'total', type: 'uint256' },
    { name: 'method', type: 'uint8' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'bankReferenceHash', type: 'bytes32' },
    { name: 'responseDeadline', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
  ],
  SettlementDecision: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'settlementId', type: 'bytes32' },
    { name: 'outcome', type: 'uint8' },
    { name: 'reasonCode', type: 'uint16' },
    { name: 'deadline', type: 'uint64' },
  ],
  SettlementCancellation: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'settlementId', type: 'bytes32' },
    { name: 'deadline', type: 'uint64' },
  ],
  ClearingAnchor: [
    { name: 'operationId', type: 'bytes32' },
    { name: 'root', type: 'bytes32' },
    { name: 'periodStart', type: 'uint64' },
    { name: 'periodEnd', type: 'uint64' },
    { name: 'settlementCount', type: 'uint32' },
    { name: 'deadline', type: 'uint64' },
  ],
  RotateKeys: [
    { name: 'orgId', type: 'bytes32' },
    { name: 'newAdmin', type: 'address' },
    { name: 'newAttestor', type: 'address' },
    { name: 'nonce', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
  ],
  AddRelayer: [
    { name: 'orgId', type: 'bytes32' },
    { name: 'relayer', type: 'address' },
    { name: 'nonce', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
  ],
  RemoveRelayer: [
    { name: 'orgId', type: 'bytes32' },
    { name: 'relayer', type: 'address' },
    { name: 'nonce', type: 'uint64' },
    { name: 'deadline', type: 'uint64' },
  ],
} as const;

export type PrimaryType = keyof typeof typedDataTypes;

/** Which contract verifies each type (its address is the domain's verifyingContract). */
export const verifyingContractOf: Record<PrimaryType, ContractName> = {
  QualificationReview: 'AccountRegistry',
  AccountKeyProof: 'AccountRegistry',
  QualificationRenewal: 'AccountRegistry',
  AccountStatusChange: 'AccountRegistry',
  CreditCeiling: 'CreditLedger',
  CreditAccountChange: 'CreditLedger',
  CreditApplication: 'CreditLedger',
  CreditDecision: 'CreditLedger',
  CreditApplicationWithdrawal: 'CreditLedger',
  CreditLineChange: 'CreditLedger',
  TokenClassRegistration: 'TallyToken',
  Issuance: 'TallyToken',
  Redemption: 'TallyToken',
  TokenTransfer: 'TallyToken',
  TokenAcceptance: 'TallyToken',
  CreditPayment: 'CreditLedger',
  TokenPayment: 'Payments',
  Refund: 'Payments',
  Settlement: 'Settlements',
  SettlementDecision: 'Settlements',
  SettlementCancellation: 'Settlements',
  ClearingAnchor: 'Settlements',
  RotateKeys: 'Consortium',
  AddRelayer: 'Consortium',
  RemoveRelayer: 'Consortium',
};

export function isPrimaryType(value: string): value is PrimaryType {
  return Object.prototype.hasOwnProperty.call(typedDataTypes, value);
}

export interface TypedDataDomain {
  name: 'Tally';
  version: '1';
  chainId: string;
  verifyingContract: string;
}

/** JSON-friendly typed data, ready for `eth_signTypedData_v4` or any EIP-712 library. */
export interface TypedData {
  domain: TypedDataDomain;
  types: Record<string, ReadonlyArray<{ name: string; type: string }>>;
  primaryType: PrimaryType;
  message: Record<string, string | number | boolean>;
}

export function buildTypedData(
  primaryType: PrimaryType,
  chainId: bigint,
  verifyingContract: string,
  message: Record<string, string | number | bigint | boolean>,
): TypedData {
  const fields = typedDataTypes[primaryType];
  const normalised: Record<string, string | number | boolean> = {};
  for (const field of fields) {
    const value = message[field.name];
    if (value === undefined) throw new Error(`${primaryType}.${field.name} is missing`);
    normalised[field.name] = typeof value === 'bigint' ? value.toString(10) : value;
  }
  return {
    domain: { name: 'Tally', version: '1', chainId: chainId.toString(10), verifyingContract },
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      [primaryType]: fields,
    },
    primaryType,
    message: normalised,
  };
}

/** The digest a signer signs (what the contract recovers from). */
export function typedDataDigest(typedData: TypedData): string {
  const { EIP712Domain: _domainFields, ...types } = typedData.types;
  return TypedDataEncoder.hash(
    typedData.domain,
    types as Record<string, Array<{ name: string; type: string }>>,
    typedData.message,
  );
}
