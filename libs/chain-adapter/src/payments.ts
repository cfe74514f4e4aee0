// Operations and reads of TallyToken and Payments, built from the same messages the parties sign.
import { AbiCoder, decodeBytes32String, encodeBytes32String, keccak256 } from 'ethers';
import type { ChainClient } from './chain-client.js';
import { interfaceOf } from './contracts.js';
import type { Operation } from './operation.js';
import { TallyError } from '#common';

export const paymentKinds = ['NONE', 'CREDIT', 'TOKEN'] as const;
export type PaymentKind = Exclude<(typeof paymentKinds)[number], 'NONE'>;

/** Token class symbols: 1-31 upper-case letters, digits, dots and dashes. */
export function isTokenSymbol(value: string): boolean {
  return /^[A-Z0-9][A-Z0-9.-]{0,30}$/.test(value);
}

export function symbolToBytes32(symbol: string): string {
  if (!isTokenSymbol(symbol)) throw new Error(`invalid token symbol: ${symbol}`);
  return encodeBytes32String(symbol);
}

export function bytes32ToSymbol(value: string): string {
  return decodeBytes32String(value);
}

export interface TokenClassRegistrationMessage {
  operationId: string;
  orgId: string;
  symbol: string; // bytes32
  currency: string; // bytes3
  decimals: number;
  deadline: bigint;
}

export interface IssuanceMessage {
  operationId: string;
  tokenId: bigint;
  to: string;
  amount: bigint;
  deadline: bigint;
}

export interface RedemptionMessage {
  operationId: string;
  tokenId: bigint;
  from: string;
  amount: bigint;
  deadline: bigint;
}

export interface TokenTransferMessage {
  operationId: string;
  tokenId: bigint;
  from: string;
  to: string;
  amount: bigint;
  deadline: bigint;
}

export interface TokenAcceptanceMessage {
  operationId: string;
  merchant: string;
  tokenId: bigint;
  accepted: boolean;
  deadline: bigint;
}

export interface CreditPaymentMessage {
  operationId: string;
  lineId: string;
  payee: string;
  amount: bigint;
  deadline: bigint;
}

export interface TokenPaymentMessage {
  operationId: string;
  payer: string;
  payee: string;
  tokenId: bigint;
  amount: bigint;
  deadline: bigint;
}

export interface RefundMessage {
  operationId: string;
  paymentId: string;
  amount: bigint;
  deadline: bigint;
}

const token = () => interfaceOf('TallyToken');
const payments = () => interfaceOf('Payments');

export function registerTokenClassOperation(message: TokenClassRegistrationMessage, attestorSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'token-class.register',
    contract: 'TallyToken',
    calldata: token().encodeFunctionData('registerTokenClass', [message, attestorSignature]),
  };
}

export function issueOperation(message: IssuanceMessage, attestorSignature: string): Operation {
  return { operationId: message.operationId, kind: 'issuance.create', contract: 'TallyToken', calldata: token().encodeFunctionData('issue', [message, attestorSignature]) };
}

export function redeemOperation(message: RedemptionMessage, holderSignature: string, attestorSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'redemption.create',
    contract: 'TallyToken',
    calldata: token().encodeFunctionData('redeem', [message, holderSignature, attestorSignature]),
  };
}

export function transferOperation(message: TokenTransferMessage, holderSignature: string): Operation {
  return { operationId: message.operationId, kind: 'transfer.create', contract: 'TallyToken', calldata: token().encodeFunctionData('transfer', [message, holderSignature]) };
}

export function setAcceptanceOperation(message: TokenAcceptanceMessage, merchantSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'token-class.set-acceptance',
    contract: 'TallyToken',
    calldata: token().encodeFunctionData('setAcceptance', [message, merchantSignature]),
  };
}

/** `payOnCredit`'s arguments: the message and the payer's signature in its compact (ERC-2098) form. */
export function payOnCreditArguments(message: CreditPaymentMessage, payerSignature: string): [CreditPaymentMessage, string, string] {
  const { r, yParityAndS } = compactSignature(payerSignature);
  return [message, r, yParityAndS];
}

/**
 * The ERC-2098 compact form of a 65-byte signature (r, s, v): r, and s with the y parity in its
 * top bit. A v other than 27/28 (or 0/1), or an s with its top bit set, cannot be one: BAD_SIGNATURE.
 * Whether it is the signer's is the chain's to say.
 */
export function compactSignature(signature: string): { r: string; yParityAndS: string } {
  const hex = signature.toLowerCase();
  const v = /^0x[0-9a-f]{130}$/.test(hex) ? parseInt(hex.slice(130), 16) : -1;
  const parity = v === 27 || v === 0 ? 0 : v === 28 || v === 1 ? 1 : -1;
  const sTop = parseInt(hex[66], 16);
  if (parity < 0 || !(sTop < 8)) throw new TallyError('BAD_SIGNATURE', { reason: 'not a 65-byte secp256k1 signature with v 27 or 28 and a low s' });
  return { r: hex.slice(0, 66), yParityAndS: `0x${(sTop + parity * 8).toString(16)}${hex.slice(67, 130)}` };
}

let payOnCreditSelector: string | undefined;
const word = (value: bigint) => value.toString(16).padStart(64, '0');

/**
 * `payOnCredit(message, r, yParityAndS)` calldata, written directly: every argument is one static
 * word, so the encoding is the selector and seven words (a test holds it equal to the ABI coder's,
 * which costs several times more on the request path).
 */
function payOnCreditCalldata(message: CreditPaymentMessage, payerSignature: string): string {
  payOnCreditSelector ??= interfaceOf('CreditLedger').getFunction('payOnCredit')!.selector;
  const { r, yParityAndS } = compactSignature(payerSignature);
  const bytes32 = (value: string, name: string) => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new Error(`${name} is not a bytes32: ${value}`);
    return value.slice(2).toLowerCase();
  };
  if (!/^0x[0-9a-fA-F]{40}$/.test(message.payee)) throw new Error(`payee is not an address: ${message.payee}`);
  if (message.amount < 0n || message.amount >= 1n << 256n) throw new Error(`amount out of uint256 range: ${message.amount}`);
  if (message.deadline < 0n || message.deadline >= 1n << 64n) throw new Error(`deadline out of uint64 range: ${message.deadline}`);
  return (
    payOnCreditSelector +
    bytes32(message.operationId, 'operationId') +
    bytes32(message.lineId, 'lineId') +
    message.payee.slice(2).toLowerCase().padStart(64, '0') +
    word(message.amount) +
    word(message.deadline) +
    r.slice(2) +
    yParityAndS.slice(2)
  );
}

/**
 * Gas a payment on credit may use inside a batch: about 38,000 when the batch has paid on its line
 * before, about 125,000 when every slot and account it touches is cold (the first payment of a
 * batch on a line: the line, its account, both parties in the registry; a test holds this case
 * under the allowance). A batch's gas limit is the sum of its items' allowances — it must cover
 * the worst case, or a batch would run out of gas and be retried as it is — so this also sets how
 * many payments fit in one transaction (127 under the per-transaction cap).
 */
export const CREDIT_PAYMENT_GAS = 130_000n;

export function payOnCreditOperation(message: CreditPaymentMessage, payerSignature: string): Operation {
  return {
    operationId: message.operationId,
    kind: 'payment.credit',
    contract: 'CreditLedger',
    calldata: payOnCreditCalldata(message, payerSignature),
    gas: CREDIT_PAYMENT_GAS,
  };
}

export function payWithTokensOperation(message: TokenPaymentMessage, payerSignature: string): Operation {
  return { operationId: message.operationId, kind: 'payment.token', contract: 'Payments', calldata: payments().encodeFunctionData('payWithTokens', [message, payerSignature]) };
}

export function refundOperation(message: RefundMessage, merchantSignature: string): Operation {
  return { operationId: message.operationId, kind: 'refund.create', contract: 'Payments', calldata: payments().encodeFunctionData('refund', [message, merchantSignature]) };
}

export async function readBalance(chain: ChainClient, holder: string, tokenId: bigint): Promise<bigint> {
  return chain.contract('TallyToken').getFunction('balanceOf')(holder, tokenId);
}

/** `uint256(keccak256(abi.encode(orgId, symbol)))`: the id of a token class. */
export function tokenIdOf(orgId: string, symbol: string): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes32'], [orgId, symbolToBytes32(symbol)])));
}
