// Settlements against a real anvil: TOKEN and OFFCHAIN settlements confirmed, rejected, cancelled
// (by the enterprise, or by anyone after the response deadline), with the bills, the credit and
// the escrow in step; the wrong signer and a bill offered twice refused; a clearing root anchored.
import { Contract, Wallet } from 'ethers';
import {
  billsHashOf,
  clearingTreeOf,
  orgIdOf,
  readBill,
  readCreditLine,
  readSettlement,
  referenceHashOf,
  settlementMethodCodes,
  settlementOutcomeCodes,
  signTypedDataWith,
  currencyCodeToBytes3,
  type SettlementMessage,
} from '#chain-adapter';
import { devPrivateKey } from '../../../test/support/anvil.js';
import { expectRevert, startChainFixture, type ChainFixture, type CreditLineFixture } from './chain-fixture.js';

let fixture: ChainFixture;
let settlements: Contract;
let token: Contract;
let acme: { code: string; attestor: Wallet; admin: Wallet };
let beta: { code: string; attestor: Wallet; admin: Wallet };
let gamma: { code: string; attestor: Wallet; admin: Wallet };
let gammaUsd: bigint;

beforeAll(async () => {
  fixture = await startChainFixture();
  settlements = fixture.connect('Settlements', fixture.relayer);
  token = fixture.connect('TallyToken', fixture.relayer);
  acme = await fixture.anOrganisation('acme-pay');
  beta = await fixture.anOrganisation('beta-pay');
  gamma = await fixture.anOrganisation('gamma-pay');
  gammaUsd = await fixture.aTokenClass(gamma, 'GUSD', 'USD');
});

afterAll(async () => {
  await fixture?.close();
});

const deadline = async () => (await fixture.now()) + 600n;

async function order(line: CreditLineFixture, billIds: string[], total: bigint, method: 'TOKEN' | 'OFFCHAIN', overrides: Partial<SettlementMessage> = {}, signer = line.enterprise) {
  const message: SettlementMessage = {
    operationId: fixture.nextOperationId('acme-pay'),
    lineId: line.lineId,
    billsHash: billsHashOf(billIds),
    total,
    method: settlementMethodCodes[method],
    tokenId: method === 'TOKEN' ? gammaUsd : 0n,
    bankReferenceHash: method === 'OFFCHAIN' ? referenceHashOf('WIRE-2026-11-27-001') : `0x${'0'.repeat(64)}`,
    responseDeadline: (await fixture.now()) + 86_400n,
    deadline: await deadline(),
    ...overrides,
  };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('Settlement', { ...message }));
  return {
    message,
    send: () => fixture.send(settlements, 'initiate', [message, billIds, signature]),
    call: () => settlements.getFunction('initiate').staticCall(message, billIds, signature),
  };
}

async function decide(settlementId: string, billIds: string[], outcome: 'CONFIRM' | 'REJECT', signer: Wallet) {
  const message = { operationId: fixture.nextOperationId('beta-pay'), settlementId, outcome: settlementOutcomeCodes[outcome], reasonCode: outcome === 'REJECT' ? 4 : 0, deadline: await deadline() };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('SettlementDecision', message));
  return { send: () => fixture.send(settlements, 'decide', [message, billIds, signature]), call: () => settlements.getFunction('decide').staticCall(message, billIds, signature) };
}

async function cancel(settlementId: string, billIds: string[], signer?: Wallet) {
  const message = { operationId: fixture.nextOperationId('acme-pay'), settlementId, deadline: await deadline() };
  const signature = signer ? signTypedDataWith(signer.privateKey, fixture.chain.typedData('SettlementCancellation', message)) : '0x';
  return { send: () => fixture.send(settlements, 'cancel', [message, billIds, signature]), call: () => settlements.getFunction('cancel').staticCall(message, billIds, signature) };
}

const balance = (holder: string) => token.getFunction('balanceOf')(holder, gammaUsd) as Promise<bigint>;

async function supplyHolds(holders: string[]): Promise<void> {
  const supply: bigint = await token.getFunction('totalSupply(uint256)')(gammaUsd);
  let sum = await balance(fixture.chain.address('TallyToken'));
  for (const holder of holders) sum += await balance(holder);
  expect(sum).toBe(supply);
}

describe('TOKEN settlements', () => {
  it('locks the tokens at once, and on confirmation settles the bills, restores credit and pays the merchant', async () => {
    const line = await fixture.aCreditLine(acme, beta, 10_000n);
    const bills = [await fixture.aCreditPayment(line, 1_000n), await fixture.aCreditPayment(line, 500n)];
    await fixture.issue(gamma, gammaUsd, line.enterprise.address, 5_000n);

    const started = await order(line, bills, 1_500n, 'TOKEN');
    await started.send();
    expect((await readBill(fixture.chain, bills[0])).status).toBe('IN_SETTLEMENT');
    expect(await balance(line.enterprise.address)).toBe(3_500n);
    expect(await balance(fixture.chain.address('TallyToken'))).toBeGreaterThanOrEqual(1_500n);
    await supplyHolds([line.enterprise.address, line.merchant.address]);

    await expectRevert((await decide(started.message.operationId, bills, 'CONFIRM', line.enterprise)).call(), 'InvalidSignature');
    await (await decide(started.message.operationId, bills, 'CONFIRM', line.merchant)).send();
    expect((await readSettlement(fixture.chain, started.message.operationId)).status).toBe('CONFIRMED');
    expect((await readBill(fixture.chain, bills[1])).status).toBe('SETTLED');
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(0n);
    expect(await balance(line.merchant.address)).toBe(1_500n);
    await supplyHolds([line.enterprise.address, line.merchant.address]);
  });

  it('returns the escrow and the bills on rejection, and refuses a bill offered in two settlements', async () => {
    const line = await fixture.aCreditLine(acme, beta, 10_000n);
    const bills = [await fixture.aCreditPayment(line, 800n)];
    await fixture.issue(gamma, gammaUsd, line.enterprise.address, 1_000n);
    const first = await order(line, bills, 800n, 'TOKEN');
    await first.send();
    const args = await expectRevert((await order(line, bills, 800n, 'OFFCHAIN')).call(), 'BillNotUnsettled');
    expect(args.status).toBe('IN_SETTLEMENT');

    await (await decide(first.message.operationId, bills, 'REJECT', line.merchant)).send();
    expect((await readBill(fixture.chain, bills[0])).status).toBe('UNSETTLED');
    expect(await balance(line.enterprise.address)).toBe(1_000n);
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(800n);
    await expectRevert((await decide(first.message.operationId, bills, 'CONFIRM', line.merchant)).call(), 'SettlementNotOpen');
  });

  it('refuses a class of another currency, too few tokens, a wrong total and a wrong signer', async () => {
    const line = await fixture.aCreditLine(acme, beta, 10_000n);
    const bills = [await fixture.aCreditPayment(line, 300n)];
    await expectRevert((await order(line, bills, 300n, 'TOKEN')).call(), 'ERC1155InsufficientBalance');
    const eur = await fixture.aTokenClass(gamma, `GEUR${Date.now() % 10000}`, 'EUR');
    await expectRevert((await order(line, bills, 300n, 'TOKEN', { tokenId: eur })).call(), 'CurrencyMismatch');
    await expectRevert((await order(line, bills, 299n, 'OFFCHAIN')).call(), 'TotalMismatch');
    await expectRevert((await order(line, bills, 300n, 'OFFCHAIN', {}, line.merchant)).call(), 'InvalidSignature');
    await expectRevert((await order(line, bills, 300n, 'OFFCHAIN', { billsHash: billsHashOf([]) })).call(), 'BillsHashMismatch');
  });
});

describe('OFFCHAIN settlements and cancellation', () => {
  it('confirms a bank-transfer settlement', async () => {
    const line = await fixture.aCreditLine(acme, beta, 10_000n);
    const bills = [await fixture.aCreditPayment(line, 250n), await fixture.aCreditPayment(line, 750n)];
    const started = await order(line, bills, 1_000n, 'OFFCHAIN');
    await started.send();
    await (await decide(started.message.operationId, bills, 'CONFIRM', line.merchant)).send();
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(0n);
  });

  it('lets the enterprise cancel before a decision, anyone after the response deadline, and a frozen enterprise still settle', async () => {
    const line = await fixture.aCreditLine(acme, beta, 10_000n);
    const bills = [await fixture.aCreditPayment(line, 100n)];
    await fixture.issue(gamma, gammaUsd, line.enterprise.address, 100n);
    const first = await order(line, bills, 100n, 'TOKEN');
    await first.send();
    await expectRevert((await cancel(first.message.operationId, bills, line.merchant)).call(), 'InvalidSignature');
    await (await cancel(first.message.operationId, bills, line.enterprise)).send();
    expect((await readSettlement(fixture.chain, first.message.operationId)).status).toBe('CANCELLED');
    expect(await balance(line.enterprise.address)).toBe(100n);

    // The enterprise is frozen by its organisation: it can still settle and get its escrow back.
    const freeze = { operationId: fixture.nextOperationId('acme-pay'), account: line.enterprise.address, action: 1, deadline: await deadline() };
    await fixture.send(fixture.connect('AccountRegistry', fixture.relayer), 'changeStatus', [freeze, signTypedDataWith(acme.attestor.privateKey, fixture.chain.typedData('AccountStatusChange', freeze))]);
    const second = await order(line, bills, 100n, 'TOKEN', { responseDeadline: (await fixture.now()) + 3_600n });
    await second.send();
    expect(await balance(line.enterprise.address)).toBe(0n);
    await fixture.advance(3_601);
    await expectRevert((await decide(second.message.operationId, bills, 'CONFIRM', line.merchant)).call(), 'ResponseWindowClosed');
    await (await cancel(second.message.operationId, bills)).send();
    expect(await balance(line.enterprise.address)).toBe(100n);
    expect((await readBill(fixture.chain, bills[0])).status).toBe('UNSETTLED');
  });

  it('keeps the response deadline within 90 days', async () => {
    const line = await fixture.aCreditLine(acme, beta, 10_000n);
    const bills = [await fixture.aCreditPayment(line, 100n)];
    await expectRevert((await order(line, bills, 100n, 'OFFCHAIN', { responseDeadline: (await fixture.now()) + 91n * 86_400n })).call(), 'ResponseDeadlineOutOfRange');
  });
});

describe('clearing roots', () => {
  it('anchors a report root signed by the operator, once, and verifies each organisation\'s entry against it', async () => {
    const entries = [
      { settlementId: `0x${'01'.repeat(32)}`, debtorOrgId: orgIdOf('gamma-pay'), creditorOrgId: orgIdOf('beta-pay'), currency: currencyCodeToBytes3('USD'), amount: 1_500n },
      { settlementId: `0x${'02'.repeat(32)}`, debtorOrgId: orgIdOf('acme-pay'), creditorOrgId: orgIdOf('beta-pay'), currency: currencyCodeToBytes3('USD'), amount: 700n },
    ];
    const tree = clearingTreeOf(entries)!;
    const now = await fixture.now();
    const anchor = (signer: string, overrides: Record<string, unknown> = {}) => {
      const message = { operationId: fixture.nextOperationId('acme-pay'), root: tree.root, periodStart: now - 86_400n, periodEnd: now, settlementCount: 2, deadline: now + 600n, ...overrides };
      return { message, signature: signTypedDataWith(signer, fixture.chain.typedData('ClearingAnchor', message)) };
    };
    const byAttestor = anchor(acme.attestor.privateKey);
    await expectRevert(settlements.getFunction('anchorClearingRoot').staticCall(byAttestor.message, byAttestor.signature), 'NotOperator');
    const unbounded = anchor(devPrivateKey(0), { periodEnd: 2n ** 41n });
    await expectRevert(settlements.getFunction('anchorClearingRoot').staticCall(unbounded.message, unbounded.signature), 'InvalidPeriod');
    const byOperator = anchor(devPrivateKey(0));
    await fixture.send(settlements, 'anchorClearingRoot', [byOperator.message, byOperator.signature]);
    for (const [index] of tree.entries()) {
      expect(await settlements.getFunction('verifyClearingEntry')(tree.root, tree.getProof(index), tree.leafHash(tree.at(index)!))).toBe(true);
    }
    const forged = clearingTreeOf([{ ...entries[0], amount: 1n }])!;
    expect(await settlements.getFunction('verifyClearingEntry')(tree.root, tree.getProof(0), forged.leafHash(forged.at(0)!))).toBe(false);
    const again = anchor(devPrivateKey(0));
    await expectRevert(settlements.getFunction('anchorClearingRoot').staticCall(again.message, again.signature), 'ClearingRootExists');
  });
});
