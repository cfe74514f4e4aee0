import { interfaceOf, type OperationContract } from './contracts.js';

/** A write ready for the outbox: one call of an operation contract, identified by its operation id. */
export interface Operation {
  operationId: string;
  kind: string;
  contract: OperationContract;
  calldata: string;
  /** Gas the call may use inside a batch; DEFAULT_OPERATION_GAS when absent. */
  gas?: bigint;
}

/** Enough for every fixed-size operation of the contracts (a registration, a payment, a decision). */
export const DEFAULT_OPERATION_GAS = 200_000n;

const selectorOf = (name: 'payOnCredit' | 'payOnCreditBatch') => interfaceOf('CreditLedger').getFunction(name)!.selector;
/** A `payOnCredit` call: the selector, then seven static words (the payment's five, r, yParityAndS). */
const PAY_ON_CREDIT_HEX_LENGTH = 2 + 8 + 7 * 64;

const word = (value: number) => value.toString(16).padStart(64, '0');

/**
 * The calldata of one transaction carrying `calls` (each an operation's calldata) to `contract`.
 * Payments on credit go in one `payOnCreditBatch` call (one call frame for all of them: less gas
 * and less of the node's time per payment); anything else in `batch`, one self-call per item.
 * Both report a refused item by `OperationRejected` and record the rest.
 */
export function batchCalldata(contract: OperationContract, calls: string[]): string {
  const payOnCredit = selectorOf('payOnCredit');
  const allCredit =
    contract === 'CreditLedger' &&
    calls.length > 0 &&
    calls.every((call) => call.length === PAY_ON_CREDIT_HEX_LENGTH && call.slice(0, 10).toLowerCase() === payOnCredit);
  if (!allCredit) return interfaceOf(contract).encodeFunctionData('batch', [calls]);
  // payOnCreditBatch(payments, rs, yParityAndSs): three offsets, then each array as its length
  // and its static elements (a payment is five words inline); encoded by hand, as it is the
  // hottest path of the submitter and every part is fixed-size.
  const count = calls.length;
  const paymentsOffset = 3 * 32;
  const rsOffset = paymentsOffset + 32 + count * 5 * 32;
  const sOffset = rsOffset + 32 + count * 32;
  const payments: string[] = [];
  const rs: string[] = [];
  const ss: string[] = [];
  for (const call of calls) {
    const body = call.slice(10);
    payments.push(body.slice(0, 5 * 64));
    rs.push(body.slice(5 * 64, 6 * 64));
    ss.push(body.slice(6 * 64, 7 * 64));
  }
  return `${selectorOf('payOnCreditBatch')}${word(paymentsOffset)}${word(rsOffset)}${word(sOffset)}${word(count)}${payments.join('')}${word(count)}${rs.join('')}${word(count)}${ss.join('')}`;
}
