import { Transaction, Wallet } from 'ethers';
import { signBatchTransaction } from './transaction-signing.js';

describe('signBatchTransaction', () => {
  it('signs exactly as ethers signs the same EIP-1559 transaction, and hashes it as ethers does', async () => {
    const cases = [
      { nonce: 0, data: '0x', maxPriorityFeePerGas: 0n, maxFeePerGas: 1n, gasLimit: 21_000n },
      { nonce: 1, data: '0x01', maxPriorityFeePerGas: 1n, maxFeePerGas: 2_000_000_000n, gasLimit: 100_000n },
      { nonce: 127, data: '0x80', maxPriorityFeePerGas: 1_000_000_000n, maxFeePerGas: 3_000_000_000n, gasLimit: 16_777_216n },
      { nonce: 128, data: `0x${'ab'.repeat(55)}`, maxPriorityFeePerGas: 7n, maxFeePerGas: 8n, gasLimit: 60_000n },
      { nonce: 65_536, data: `0x${'cd'.repeat(56)}`, maxPriorityFeePerGas: 255n, maxFeePerGas: 256n, gasLimit: 1n },
      { nonce: 2 ** 31, data: `0x${'ef'.repeat(30_000)}`, maxPriorityFeePerGas: 10n ** 18n, maxFeePerGas: 10n ** 19n, gasLimit: 30_000_000n },
    ];
    for (const [index, fields] of cases.entries()) {
      const wallet = Wallet.createRandom();
      const transaction = { ...fields, chainId: index === 0 ? 1n : 31_337n, to: Wallet.createRandom().address };
      const expected = await wallet.signTransaction({ type: 2, ...transaction });
      const signed = signBatchTransaction(wallet.signingKey, transaction);
      expect(signed.raw).toBe(expected);
      expect(signed.hash).toBe(Transaction.from(expected).hash);
    }
  });

  it('refuses what is not hex or not an address', () => {
    const key = Wallet.createRandom().signingKey;
    const fields = { chainId: 1n, nonce: 0, maxPriorityFeePerGas: 0n, maxFeePerGas: 1n, gasLimit: 1n, to: `0x${'11'.repeat(20)}`, data: '0x' };
    expect(() => signBatchTransaction(key, { ...fields, data: '0xabc' })).toThrow(/data/);
    expect(() => signBatchTransaction(key, { ...fields, to: '0x1234' })).toThrow(/address/);
  });
});
