import { Wallet } from 'ethers';
import { interfaceOf } from './contracts.js';
import { batchCalldata } from './operation.js';
import { payOnCreditOperation } from './payments.js';

const payment = (index: number) => {
  const message = {
    operationId: `0x${(index + 1).toString(16).padStart(64, '0')}`,
    lineId: `0x${'ab'.repeat(32)}`,
    payee: Wallet.createRandom().address,
    amount: 1_000n + BigInt(index),
    deadline: 1_800_000_000n + BigInt(index),
  };
  const signature = Wallet.createRandom().signingKey.sign(`0x${'11'.repeat(32)}`).serialized;
  return payOnCreditOperation(message, signature);
};

describe('batchCalldata', () => {
  it('puts payments on credit in one payOnCreditBatch call, encoded as the ABI encodes it', () => {
    const operations = [0, 1, 2].map(payment);
    const ledger = interfaceOf('CreditLedger');
    const decoded = operations.map((operation) => ledger.decodeFunctionData('payOnCredit', operation.calldata));
    const expected = ledger.encodeFunctionData('payOnCreditBatch', [
      decoded.map((args) => args[0]),
      decoded.map((args) => args[1]),
      decoded.map((args) => args[2]),
    ]);
    expect(batchCalldata('CreditLedger', operations.map((operation) => operation.calldata))).toBe(expected);
  });

  it('uses the generic batch for anything else, or a mix', () => {
    const credit = payment(0).calldata;
    const other = interfaceOf('CreditLedger').encodeFunctionData('billOf', [`0x${'00'.repeat(32)}`]);
    const ledger = interfaceOf('CreditLedger');
    expect(batchCalldata('CreditLedger', [credit, other])).toBe(ledger.encodeFunctionData('batch', [[credit, other]]));
    expect(batchCalldata('Payments', [other])).toBe(interfaceOf('Payments').encodeFunctionData('batch', [[other]]));
  });
});
