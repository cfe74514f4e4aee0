// Decodes the contracts' custom errors into the stable API error codes (docs/errors.md).
import { ErrorDescription } from 'ethers';
import { accountKinds, accountStatuses, organisationStatuses } from './chain-client.js';
import { artifacts, contractNames, interfaceOf } from './contracts.js';
import { applicationStatuses, billStatuses, creditAccountStatuses, creditLineStatuses, parties } from './credit-ledger.js';

/** Member names of the contracts' enums (the ABI carries only their uint8 values). */
export const enumMembers: Record<string, readonly string[]> = {
  'IAccountRegistry.AccountKind': accountKinds,
  'IAccountRegistry.AccountStatus': accountStatuses,
  'AccountRegistry.StatusAction': ['NONE', 'FREEZE', 'UNFREEZE', 'CLOSE'],
  'IConsortium.OrganisationStatus': organisationStatuses,
  'ICreditLedger.CreditAccountStatus': creditAccountStatuses,
  'ICreditLedger.CreditLineStatus': creditLineStatuses,
  'ICreditLedger.BillStatus': billStatuses,
  'ICreditLedger.Party': parties,
  'CreditLedger.ApplicationStatus': applicationStatuses,
  'CreditLedger.CreditAccountAction': ['NONE', 'FREEZE', 'UNFREEZE', 'CLOSE'],
  'CreditLedger.CreditLineAction': ['NONE', 'ADJUST_LIMIT', 'SUSPEND', 'RESUME', 'CLOSE'],
  'CreditLedger.DecisionOutcome': ['NONE', 'APPROVE', 'REJECT'],
  'TallyToken.TokenClassStatus': ['NONE', 'ACTIVE'],
  'Payments.PaymentKind': ['NONE', 'CREDIT', 'TOKEN'],
  'Settlements.Method': ['NONE', 'TOKEN', 'OFFCHAIN'],
  'Settlements.SettlementStatus': ['NONE', 'INITIATED', 'CONFIRMED', 'REJECTED', 'CANCELLED'],
  'Settlements.DecisionOutcome': ['NONE', 'CONFIRM', 'REJECT'],
};

/** Per custom error, the enum type of each enum argument (from the artifacts' ABI). */
const enumArguments = new Map<string, Map<string, string>>();
for (const name of contractNames) {
  for (const item of artifacts[name].abi as ReadonlyArray<{ type: string; name?: string; inputs?: ReadonlyArray<{ name: string; internalType?: string }> }>) {
    if (item.type !== 'error' || !item.inputs) continue;
    for (const input of item.inputs) {
      const enumType = input.internalType?.startsWith('enum ') ? input.internalType.slice(5) : undefined;
      if (!enumType) continue;
      const byArgument = enumArguments.get(item.name!) ?? new Map<string, string>();
      byArgument.set(input.name, enumType);
      enumArguments.set(item.name!, byArgument);
    }
  }
}

/** Custom error name → API error code. Every custom error of every contract is listed here. */
export const chainErrorCodes: Record<string, string> = {
  NotRelayer: 'RELAYER_NOT_REGISTERED',
  BatchTooLarge: 'INTERNAL',
  BatchShapeMismatch: 'INTERNAL',
  DuplicateOperation: 'DUPLICATE_OPERATION',
  DeadlinePassed: 'DEADLINE_PASSED',
  InvalidSignature: 'BAD_SIGNATURE',
  ECDSAInvalidSignature: 'BAD_SIGNATURE',
  ECDSAInvalidSignatureLength: 'BAD_SIGNATURE',
  ECDSAInvalidSignatureS: 'BAD_SIGNATURE',
  ZeroAddress: 'VALIDATION_FAILED',
  InvalidOrganisationId: 'VALIDATION_FAILED',
  OrganisationExists: 'ORGANISATION_EXISTS',
  UnknownOrganisation: 'ORGANISATION_NOT_FOUND',
  OrganisationNotActive: 'ORGANISATION_NOT_ACTIVE',
  RelayerTaken: 'INVALID_STATE_TRANSITION',
  RelayerNotOfOrganisation: 'INVALID_STATE_TRANSITION',
  AccessControlUnauthorizedAccount: 'FORBIDDEN',
  AccessControlBadConfirmation: 'FORBIDDEN',
  InvalidShortString: 'INTERNAL',
  StringTooLong: 'INTERNAL',
  InvalidAccountKind: 'INVALID_ACCOUNT_KIND',
  InvalidStatusAction: 'VALIDATION_FAILED',
  AccountAlreadyRegistered: 'ACCOUNT_ALREADY_REGISTERED',
  AccountNotRegistered: 'ACCOUNT_NOT_FOUND',
  AccountNotActive: 'ACCOUNT_NOT_ACTIVE',
  InvalidStatusTransition: 'INVALID_STATE_TRANSITION',
  QualificationExpiryNotInFuture: 'QUALIFICATION_EXPIRY_INVALID',
  QualificationLapsed: 'QUALIFICATION_LAPSED',
  InvalidCurrency: 'VALIDATION_FAILED',
  InvalidAmount: 'VALIDATION_FAILED',
  InvalidTerm: 'VALIDATION_FAILED',
  InvalidParty: 'VALIDATION_FAILED',
  InvalidDecision: 'VALIDATION_FAILED',
  PartyNotAllowed: 'FORBIDDEN',
  ExpiryNotInFuture: 'EXPIRY_INVALID',
  NotAnEnterprise: 'INVALID_ACCOUNT_KIND',
  NotAMerchant: 'INVALID_ACCOUNT_KIND',
  AccountClosed: 'ACCOUNT_NOT_ACTIVE',
  CreditAccountNotFound: 'CREDIT_ACCOUNT_NOT_FOUND',
  CreditAccountNotActive: 'CREDIT_ACCOUNT_NOT_ACTIVE',
  InvalidCreditAccountTransition: 'INVALID_STATE_TRANSITION',
  FrozenByOtherParty: 'FROZEN_BY_OTHER_PARTY',
  CeilingBelowUsed: 'CEILING_BELOW_USED',
  CreditInUse: 'CREDIT_IN_USE',
  OpenSettlements: 'OPEN_SETTLEMENTS',
  ApplicationNotFound: 'CREDIT_APPLICATION_NOT_FOUND',
  ApplicationNotPending: 'INVALID_STATE_TRANSITION',
  ApplicationExpired: 'CREDIT_APPLICATION_EXPIRED',
  LimitAboveRequested: 'LIMIT_ABOVE_REQUESTED',
  CreditLineNotFound: 'CREDIT_LINE_NOT_FOUND',
  InvalidCreditLineTransition: 'INVALID_STATE_TRANSITION',
  LimitBelowUsed: 'LIMIT_BELOW_USED',
  CreditLineNotActive: 'LINE_NOT_ACTIVE',
  CreditLineExpired: 'LINE_EXPIRED',
  CreditLimitExceeded: 'CREDIT_LIMIT_EXCEEDED',
  CreditCeilingExceeded: 'CREDIT_CEILING_EXCEEDED',
  BillNotFound: 'BILL_NOT_FOUND',
  BillNotUnsettled: 'BILL_NOT_UNSETTLED',
  BillNotInSettlement: 'INVALID_STATE_TRANSITION',
  RefundExceedsOutstanding: 'REFUND_EXCEEDS_OUTSTANDING',
  BillCountOutOfRange: 'TOO_MANY_BILLS',
  BillsOfDifferentLines: 'BILLS_OF_DIFFERENT_LINES',
  CurrencyNotSupported: 'CURRENCY_NOT_SUPPORTED',
  DecimalsMismatch: 'DECIMALS_MISMATCH',
  InvalidSymbol: 'VALIDATION_FAILED',
  TokenClassExists: 'TOKEN_CLASS_EXISTS',
  TokenClassNotFound: 'TOKEN_CLASS_NOT_FOUND',
  NotAHolder: 'NOT_A_HOLDER',
  TokenClassNotAccepted: 'TOKEN_CLASS_NOT_ACCEPTED',
  EscrowExists: 'DUPLICATE_OPERATION',
  EscrowNotFound: 'INVALID_STATE_TRANSITION',
  ERC1155InsufficientBalance: 'INSUFFICIENT_BALANCE',
  ERC1155InvalidReceiver: 'NOT_A_HOLDER',
  ERC1155InvalidSender: 'VALIDATION_FAILED',
  ERC1155MissingApprovalForAll: 'FORBIDDEN',
  ERC1155InvalidApprover: 'VALIDATION_FAILED',
  ERC1155InvalidOperator: 'VALIDATION_FAILED',
  ERC1155InvalidArrayLength: 'VALIDATION_FAILED',
  PayeeNotOnLine: 'PAYEE_NOT_ON_LINE',
  BillsHashMismatch: 'BILLS_HASH_MISMATCH',
  TotalMismatch: 'TOTAL_MISMATCH',
  InvalidMethod: 'VALIDATION_FAILED',
  BankReferenceRequired: 'VALIDATION_FAILED',
  CurrencyMismatch: 'CURRENCY_MISMATCH',
  ResponseDeadlineOutOfRange: 'RESPONSE_DEADLINE_INVALID',
  SettlementNotFound: 'SETTLEMENT_NOT_FOUND',
  SettlementNotOpen: 'INVALID_STATE_TRANSITION',
  ResponseWindowClosed: 'RESPONSE_WINDOW_CLOSED',
  InvalidPeriod: 'VALIDATION_FAILED',
  ClearingRootExists: 'DUPLICATE_OPERATION',
  ExpiryTooFar: 'EXPIRY_INVALID',
  InvalidSettlementCount: 'VALIDATION_FAILED',
  NotOperator: 'FORBIDDEN',
};

/** Solidity's Panic(uint256): checked arithmetic and the like; an amount too large to add up. */
const PANIC_SELECTOR = '0x4e487b71';

export interface DecodedChainError {
  /** Stable API code; CHAIN_REJECTED when the error is unknown, CHAIN_EXECUTION_FAILED when empty. */
  code: string;
  /** The custom error's name, when it is one of ours. */
  errorName: string | null;
  /** Its arguments, as strings (JSON-safe). */
  args: Record<string, string>;
  /** Whether resubmitting may succeed (an empty revert: out of gas, not a refusal). */
  retryable: boolean;
}

function stringify(value: unknown): string {
  return typeof value === 'bigint' ? value.toString(10) : String(value);
}

export function decodeChainError(errorData: string | null | undefined): DecodedChainError {
  if (!errorData || errorData === '0x') {
    return { code: 'CHAIN_EXECUTION_FAILED', errorName: null, args: {}, retryable: true };
  }
  if (errorData.startsWith(PANIC_SELECTOR)) {
    return { code: 'VALIDATION_FAILED', errorName: 'Panic', args: { panicCode: `0x${BigInt(`0x${errorData.slice(10)}`).toString(16)}`, reason: 'an amount is out of range' }, retryable: false };
  }
  for (const name of contractNames) {
    let description: ErrorDescription | null = null;
    try {
      description = interfaceOf(name).parseError(errorData);
    } catch {
      description = null;
    }
    if (!description) continue;
    const args: Record<string, string> = {};
    description.fragment.inputs.forEach((input, index) => {
      const enumType = enumArguments.get(description!.name)?.get(input.name);
      const value = description!.args[index];
      args[input.name || `arg${index}`] = (enumType && enumMembers[enumType]?.[Number(value)]) || stringify(value);
    });
    return {
      code: chainErrorCodes[description.name] ?? 'CHAIN_REJECTED',
      errorName: description.name,
      args,
      retryable: false,
    };
  }
  return { code: 'CHAIN_REJECTED', errorName: null, args: { errorData }, retryable: false };
}
