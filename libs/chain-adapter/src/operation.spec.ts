import { Wallet } from 'ethers';
import { interfaceOf } from './contracts.js';
import { batchCalldata } from './operation.js';
import { compactSignature, payOnCreditOperation } from './payments.js';
import { AbiCoder, Signature, encodeBytes32String, keccak256, toUtf8Bytes } from 'ethers';
import { operationIdOf } from './ids.js';

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

describe('payOnCredit calldata', () => {
  it('is what the ABI coder writes, the signature in its ERC-2098 form', () => {
    for (let index = 0; index < 20; index += 1) {
      const wallet = Wallet.createRandom();
      const message = {
        operationId: `0x${(index + 7).toString(16).padStart(64, 'c')}`,
        lineId: `0x${'AB'.repeat(32)}`,
        payee: wallet.address,
        amount: index === 0 ? (1n << 256n) - 1n : 10n ** BigInt(index),
        deadline: index === 0 ? (1n << 64n) - 1n : 1_800_000_000n + BigInt(index),
      };
      const signature = wallet.signingKey.sign(`0x${index.toString(16).padStart(64, '2')}`).serialized;
      const { r, yParityAndS } = Signature.from(signature);
      expect(compactSignature(signature)).toEqual({ r, yParityAndS });
      expect(payOnCreditOperation(message, signature).calldata).toBe(interfaceOf('CreditLedger').encodeFunctionData('payOnCredit', [message, r, yParityAndS]));
    }
  });

  it('refuses what cannot be a signature as BAD_SIGNATURE, and out-of-range values', () => {
    const good = Wallet.createRandom().signingKey.sign(`0x${'11'.repeat(32)}`).serialized;
    expect(() => compactSignature(`${good.slice(0, 130)}05`)).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
    expect(() => compactSignature(`${good.slice(0, 66)}f${good.slice(67)}`)).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
    expect(() => compactSignature('0x1234')).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
    const message = { operationId: `0x${'01'.repeat(32)}`, lineId: `0x${'02'.repeat(32)}`, payee: Wallet.createRandom().address, amount: 1n, deadline: 1n << 64n };
    expect(() => payOnCreditOperation(message, good)).toThrow(/deadline/);
  });
});

describe('operationIdOf', () => {
  it('is keccak256(abi.encode(orgId, keccak256(bytes(key))))', () => {
    for (const [org, key] of [['acme-pay', 'k-1'], ['b2', 'x'.repeat(255)], ['acme-pay', '~!@#$%^&*() key']]) {
      const expected = keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes32'], [encodeBytes32String(org), keccak256(toUtf8Bytes(key))]));
      expect(operationIdOf(org, key)).toBe(expected);
    }
  });
});
