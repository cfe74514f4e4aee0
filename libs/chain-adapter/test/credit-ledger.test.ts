// CreditLedger against a real anvil: credit accounts, applications and lines with the parties'
// signatures, payments on credit (bills) through relayers, and the rest of the bill surface
// (refund, settlement) through the roles only.
import { Contract, NonceManager, Wallet } from 'ethers';
import {
  creditAccountActionCodes,
  creditAccountIdOf,
  creditLineActionCodes,
  currencyCodeToBytes3,
  decisionOutcomeCodes,
  decodeChainError,
  interfaceOf,
  partyCodes,
  payOnCreditArguments,
  readBill,
  readCreditAccount,
  readCreditLine,
  referenceHashOf,
  signTypedDataWith,
  submitApplicationOperation,
  type CreditApplicationMessage,
} from '#chain-adapter';
import { devPrivateKey } from '../../../test/support/anvil.js';
import { expectRevert, startChainFixture, type ChainFixture } from './chain-fixture.js';

let fixture: ChainFixture;
let ledger: Contract;
let payments: Contract;
let settlements: Contract;
let acme: { code: string; attestor: Wallet; admin: Wallet };
let beta: { code: string; attestor: Wallet; admin: Wallet };
const USD = currencyCodeToBytes3('USD');

beforeAll(async () => {
  fixture = await startChainFixture();
  ledger = fixture.connect('CreditLedger', fixture.relayer);
  const admin = fixture.connect('CreditLedger', fixture.operator);
  // Stand-ins for the payment and settlement contracts: plain keys holding the roles.
  const paymentsKey = new NonceManager(new Wallet(devPrivateKey(7), fixture.provider));
  const settlementsKey = new NonceManager(new Wallet(devPrivateKey(8), fixture.provider));
  await fixture.send(admin, 'grantRole', [await ledger.getFunction('PAYMENTS_ROLE')(), await paymentsKey.getAddress()]);
  await fixture.send(admin, 'grantRole', [await ledger.getFunction('SETTLEMENTS_ROLE')(), await settlementsKey.getAddress()]);
  payments = fixture.connect('CreditLedger', paymentsKey);
  settlements = fixture.connect('CreditLedger', settlementsKey);
  acme = await fixture.anOrganisation('acme-pay');
  beta = await fixture.anOrganisation('beta-pay');
});

afterAll(async () => {
  await fixture?.close();
});

async function deadline(): Promise<bigint> {
  return (await fixture.now()) + 600n;
}

async function setCeiling(enterprise: Wallet, ceiling: bigint, signer = acme.attestor) {
  const message = { operationId: fixture.nextOperationId('acme-pay'), enterprise: enterprise.address, currency: USD, ceiling, deadline: await deadline() };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('CreditCeiling', message));
  return { message, signature, call: () => ledger.getFunction('setCeiling').staticCall(message, signature), send: () => fixture.send(ledger, 'setCeiling', [message, signature]) };
}

async function application(enterprise: Wallet, merchant: Wallet, overrides: Partial<CreditApplicationMessage> = {}, signer = enterprise) {
  const message: CreditApplicationMessage = {
    operationId: fixture.nextOperationId('acme-pay'),
    enterprise: enterprise.address,
    merchant: merchant.address,
    currency: USD,
    requestedLimit: 10_000n,
    termDays: 30,
    expiresAt: (await fixture.now()) + 30n * 86_400n,
    referenceHash: referenceHashOf('PO-1'),
    deadline: await deadline(),
    ...overrides,
  };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('CreditApplication', { ...message }));
  return { message, signature, send: () => fixture.send(ledger, 'submitApplication', [message, signature]), call: () => ledger.getFunction('submitApplication').staticCall(message, signature) };
}

async function decision(applicationId: string, signer: Wallet, outcome: keyof typeof decisionOutcomeCodes, limit = 0n) {
  const message = { operationId: fixture.nextOperationId('beta-pay'), applicationId, outcome: decisionOutcomeCodes[outcome], limit, reasonCode: outcome === 'REJECT' ? 7 : 0, deadline: await deadline() };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('CreditDecision', message));
  return { message, signature, send: () => fixture.send(ledger, 'decideApplication', [message, signature]), call: () => ledger.getFunction('decideApplication').staticCall(message, signature) };
}

async function lineChange(lineId: string, action: keyof typeof creditLineActionCodes, actor: 'MERCHANT' | 'ENTERPRISE', signer: Wallet, limit = 0n) {
  const message = { operationId: fixture.nextOperationId('beta-pay'), lineId, action: creditLineActionCodes[action], actor: partyCodes[actor], limit, deadline: await deadline() };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('CreditLineChange', message));
  return { message, signature, send: () => fixture.send(ledger, 'changeCreditLine', [message, signature]), call: () => ledger.getFunction('changeCreditLine').staticCall(message, signature) };
}

async function accountChange(enterprise: Wallet, action: keyof typeof creditAccountActionCodes, actor: 'ENTERPRISE' | 'ORGANISATION', signer: Wallet) {
  const message = {
    operationId: fixture.nextOperationId('acme-pay'),
    creditAccountId: creditAccountIdOf(enterprise.address, 'USD'),
    action: creditAccountActionCodes[action],
    actor: partyCodes[actor],
    deadline: await deadline(),
  };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('CreditAccountChange', message));
  return { message, signature, send: () => fixture.send(ledger, 'changeCreditAccount', [message, signature]), call: () => ledger.getFunction('changeCreditAccount').staticCall(message, signature) };
}

/** An enterprise of acme-pay with a USD ceiling, a merchant of beta-pay, and an approved line. */
async function anActiveLine(limit = 1_000n, ceiling = 5_000n) {
  const enterprise = await fixture.anAccount(acme, 'ENTERPRISE');
  const merchant = await fixture.anAccount(beta, 'MERCHANT');
  await (await setCeiling(enterprise, ceiling)).send();
  const applied = await application(enterprise, merchant, { requestedLimit: limit });
  await applied.send();
  await (await decision(applied.message.operationId, merchant, 'APPROVE', limit)).send();
  return { enterprise, merchant, lineId: applied.message.operationId, creditAccountId: creditAccountIdOf(enterprise.address, 'USD') };
}

let billSequence = 0;
const aBillId = () => `0x${(++billSequence).toString(16).padStart(64, 'b')}`;

describe('credit accounts', () => {
  it('opens a credit account with the attestor of the enterprise organisation and refuses anyone else', async () => {
    const enterprise = await fixture.anAccount(acme, 'ENTERPRISE');
    const forged = await setCeiling(enterprise, 1_000n, beta.attestor);
    const args = await expectRevert(forged.call(), 'InvalidSignature');
    expect(args.expectedSigner).toBe(acme.attestor.address);

    await (await setCeiling(enterprise, 1_000n)).send();
    const account = await readCreditAccount(fixture.chain, creditAccountIdOf(enterprise.address, 'USD'));
    expect(account).toMatchObject({ enterprise: enterprise.address, currency: 'USD', status: 'ACTIVE', ceiling: 1_000n, used: 0n });

    const merchant = await fixture.anAccount(acme, 'MERCHANT');
    await expectRevert((await setCeiling(merchant, 1n)).call(), 'NotAnEnterprise');
  });

  it('never sets the ceiling below used', async () => {
    const line = await anActiveLine(1_000n, 5_000n);
    const { enterprise, lineId, creditAccountId } = line;
    await (await payment(line, 400n, aBillId())).send();
    const args = await expectRevert((await setCeiling(enterprise, 300n)).call(), 'CeilingBelowUsed');
    expect(args).toMatchObject({ ceiling: '300', used: '400' });
    await (await setCeiling(enterprise, 400n)).send();
    expect((await readCreditAccount(fixture.chain, creditAccountId)).ceiling).toBe(400n);
  });

  it('lets only the party that froze unfreeze, blocks new credit while frozen, and closes only when unused', async () => {
    const line = await anActiveLine();
    const { enterprise, merchant, lineId, creditAccountId } = line;
    await (await accountChange(enterprise, 'FREEZE', 'ENTERPRISE', enterprise)).send();
    expect((await readCreditAccount(fixture.chain, creditAccountId)).frozenBy).toBe('ENTERPRISE');

    await expectRevert((await payment(line, 1n)).call(), 'CreditAccountNotActive');
    await expectRevert((await application(enterprise, merchant)).call(), 'CreditAccountNotActive');
    const byOrganisation = await accountChange(enterprise, 'UNFREEZE', 'ORGANISATION', acme.attestor);
    await expectRevert(byOrganisation.call(), 'FrozenByOtherParty');
    const forged = await accountChange(enterprise, 'UNFREEZE', 'ENTERPRISE', merchant);
    await expectRevert(forged.call(), 'InvalidSignature');
    await (await accountChange(enterprise, 'UNFREEZE', 'ENTERPRISE', enterprise)).send();

    const billId = aBillId();
    await (await payment(line, 10n, billId)).send();
    const args = await expectRevert((await accountChange(enterprise, 'CLOSE', 'ORGANISATION', acme.attestor)).call(), 'CreditInUse');
    expect(args.used).toBe('10');
    await fixture.send(payments, 'refund', [billId, 10n]);
    await (await accountChange(enterprise, 'CLOSE', 'ORGANISATION', acme.attestor)).send();
    expect((await readCreditAccount(fixture.chain, creditAccountId)).status).toBe('CLOSED');
    await expectRevert((await setCeiling(enterprise, 1n)).call(), 'CreditAccountNotActive');
  });
});

describe('credit applications and lines', () => {
  it('approves with a smaller limit, rejects, and withdraws', async () => {
    const enterprise = await fixture.anAccount(acme, 'ENTERPRISE');
    const merchant = await fixture.anAccount(beta, 'MERCHANT');
    await (await setCeiling(enterprise, 50_000n)).send();

    const first = await application(enterprise, merchant, { requestedLimit: 10_000n });
    const receipt = await first.send();
    expect(interfaceOf('CreditLedger').parseLog(receipt.logs[0])!.name).toBe('CreditApplicationSubmitted');
    await expectRevert((await decision(first.message.operationId, merchant, 'APPROVE', 10_001n)).call(), 'LimitAboveRequested');
    const approved = await (await decision(first.message.operationId, merchant, 'APPROVE', 6_000n)).send();
    expect(approved.logs.map((log) => interfaceOf('CreditLedger').parseLog(log)!.name)).toEqual(['CreditApplicationApproved', 'CreditLineOpened']);
    const line = await readCreditLine(fixture.chain, first.message.operationId);
    expect(line).toMatchObject({ status: 'ACTIVE', limit: 6_000n, used: 0n, merchant: merchant.address, enterprise: enterprise.address, termDays: 30 });
    await expectRevert((await decision(first.message.operationId, merchant, 'REJECT')).call(), 'ApplicationNotPending');

    const second = await application(enterprise, merchant);
    await second.send();
    await (await decision(second.message.operationId, merchant, 'REJECT')).send();
    expect((await readCreditLine(fixture.chain, second.message.operationId)).status).toBe('NONE');

    const third = await application(enterprise, merchant);
    await third.send();
    const withdrawal = { operationId: fixture.nextOperationId('acme-pay'), applicationId: third.message.operationId, deadline: await deadline() };
    const byMerchant = signTypedDataWith(merchant.privateKey, fixture.chain.typedData('CreditApplicationWithdrawal', withdrawal));
    await expectRevert(ledger.getFunction('withdrawApplication').staticCall(withdrawal, byMerchant), 'InvalidSignature');
    const byEnterprise = signTypedDataWith(enterprise.privateKey, fixture.chain.typedData('CreditApplicationWithdrawal', withdrawal));
    await fixture.send(ledger, 'withdrawApplication', [withdrawal, byEnterprise]);
    expect(Number((await ledger.getFunction('applicationOf')(third.message.operationId)).status)).toBe(4);
  });

  it('refuses a decision signed by anyone but the merchant, and an application signed by anyone but the enterprise', async () => {
    const enterprise = await fixture.anAccount(acme, 'ENTERPRISE');
    const merchant = await fixture.anAccount(beta, 'MERCHANT');
    await (await setCeiling(enterprise, 50_000n)).send();
    await expectRevert((await application(enterprise, merchant, {}, merchant)).call(), 'InvalidSignature');
    const applied = await application(enterprise, merchant);
    await applied.send();
    const args = await expectRevert((await decision(applied.message.operationId, enterprise, 'APPROVE', 1n)).call(), 'InvalidSignature');
    expect(args).toEqual({ expectedSigner: merchant.address, recoveredSigner: enterprise.address });
    // the wrong kinds: a merchant cannot apply, an enterprise cannot grant
    const other = await fixture.anAccount(acme, 'ENTERPRISE');
    await expectRevert((await application(enterprise, other)).call(), 'NotAMerchant');
  });

  it('refuses applications without a credit account, past expiries and lapsed parties', async () => {
    const enterprise = await fixture.anAccount(acme, 'ENTERPRISE', 1_000n);
    const merchant = await fixture.anAccount(beta, 'MERCHANT');
    await expectRevert((await application(enterprise, merchant)).call(), 'CreditAccountNotFound');
    await (await setCeiling(enterprise, 1_000n)).send();
    await expectRevert((await application(enterprise, merchant, { expiresAt: (await fixture.now()) - 1n })).call(), 'ExpiryNotInFuture');
    await expectRevert((await application(enterprise, merchant, { expiresAt: 2n ** 63n })).call(), 'ExpiryTooFar');
    const applied = await application(enterprise, merchant, { expiresAt: (await fixture.now()) + 500n });
    await applied.send();
    await fixture.advance(600);
    await expectRevert((await decision(applied.message.operationId, merchant, 'APPROVE', 1n)).call(), 'ApplicationExpired');
    await fixture.advance(600);
    await expectRevert((await application(enterprise, merchant)).call(), 'QualificationLapsed');
  });

  it('adjusts the limit never below used, suspends, resumes and closes; the enterprise closes only an unused line', async () => {
    const line = await anActiveLine(1_000n);
    const { enterprise, merchant, lineId } = line;
    const billId = aBillId();
    await (await payment(line, 600n, billId)).send();
    const args = await expectRevert((await lineChange(lineId, 'ADJUST_LIMIT', 'MERCHANT', merchant, 599n)).call(), 'LimitBelowUsed');
    expect(args).toMatchObject({ limit: '599', used: '600' });
    const above = await expectRevert((await lineChange(lineId, 'ADJUST_LIMIT', 'MERCHANT', merchant, 1_001n)).call(), 'LimitAboveRequested');
    expect(above).toMatchObject({ limit: '1001', requestedLimit: '1000' });
    await (await lineChange(lineId, 'ADJUST_LIMIT', 'MERCHANT', merchant, 600n)).send();
    await expectRevert((await payment(line, 1n)).call(), 'CreditLimitExceeded');

    await expectRevert((await lineChange(lineId, 'SUSPEND', 'ENTERPRISE', enterprise)).call(), 'PartyNotAllowed');
    await (await lineChange(lineId, 'SUSPEND', 'MERCHANT', merchant)).send();
    await expectRevert((await payment(line, 1n)).call(), 'CreditLineNotActive');
    await (await lineChange(lineId, 'RESUME', 'MERCHANT', merchant)).send();
    await expectRevert((await lineChange(lineId, 'CLOSE', 'ENTERPRISE', enterprise)).call(), 'CreditInUse');
    await fixture.send(payments, 'refund', [billId, 600n]);
    await (await lineChange(lineId, 'CLOSE', 'ENTERPRISE', enterprise)).send();
    expect((await readCreditLine(fixture.chain, lineId)).status).toBe('CLOSED');
    await expectRevert((await lineChange(lineId, 'RESUME', 'MERCHANT', merchant)).call(), 'InvalidCreditLineTransition');
  });

  it('reports a refused item of a batch and records the rest', async () => {
    const enterprise = await fixture.anAccount(acme, 'ENTERPRISE');
    const merchant = await fixture.anAccount(beta, 'MERCHANT');
    await (await setCeiling(enterprise, 1_000n)).send();
    const good = await application(enterprise, merchant);
    const bad = await application(enterprise, merchant, {}, merchant);
    const receipt = await fixture.send(ledger, 'batch', [[submitApplicationOperation(good.message, good.signature).calldata, submitApplicationOperation(bad.message, bad.signature).calldata]]);
    const events = receipt.logs.map((log) => interfaceOf('CreditLedger').parseLog(log)!);
    expect(events.map((event) => event.name)).toEqual(['CreditApplicationSubmitted', 'OperationRejected']);
    expect(decodeChainError(events[1].args.errorData).code).toBe('BAD_SIGNATURE');
  });
});

/** A payment on credit of `amount` on `line`, signed by its enterprise; its id is the bill's. */
async function payment(line: { enterprise: Wallet; merchant: Wallet; lineId: string }, amount: bigint, operationId = aBillId()) {
  const message = { operationId, lineId: line.lineId, payee: line.merchant.address, amount, deadline: await deadline() };
  const args = payOnCreditArguments(message, signTypedDataWith(line.enterprise.privateKey, fixture.chain.typedData('CreditPayment', message)));
  return { operationId, args, send: () => fixture.send(ledger, 'payOnCredit', args), call: () => ledger.getFunction('payOnCredit').staticCall(...args) };
}

describe('bills: payments on credit, and the roles', () => {
  it('refuses the bill surface to anyone without the role, and payments to anyone but a relayer', async () => {
    const line = await anActiveLine();
    await expectRevert(ledger.getFunction('refund').staticCall(aBillId(), 1n), 'AccessControlUnauthorizedAccount');
    await expectRevert(ledger.getFunction('reserveId').staticCall(aBillId()), 'AccessControlUnauthorizedAccount');
    await expectRevert(payments.getFunction('beginSettlement').staticCall(aBillId(), [aBillId()]), 'AccessControlUnauthorizedAccount');
    const paid = await payment(line, 1n);
    await expectRevert(payments.getFunction('payOnCredit').staticCall(...paid.args), 'NotRelayer');
    await paid.call(); // the same payment from a relayer passes
  });

  it('draws within the line limit and the account ceiling, refunds, and settles', async () => {
    const first = await anActiveLine(1_000n, 1_500n);
    const { enterprise, merchant, lineId, creditAccountId } = first;
    const applied = await application(enterprise, merchant, { requestedLimit: 1_000n });
    await applied.send();
    await (await decision(applied.message.operationId, merchant, 'APPROVE', 1_000n)).send();
    const secondLine = applied.message.operationId;
    const second = { enterprise, merchant, lineId: secondLine };

    const [a, b, c] = [aBillId(), aBillId(), aBillId()];
    await (await payment(first, 700n, a)).send();
    await expectRevert((await payment(first, 301n)).call(), 'CreditLimitExceeded');
    await (await payment(second, 700n, b)).send();
    const ceiling = await expectRevert((await payment(second, 101n)).call(), 'CreditCeilingExceeded');
    expect(ceiling).toMatchObject({ ceiling: '1500', used: '1400', amount: '101' });
    await expectRevert((await payment(first, 1n, a)).call(), 'DuplicateOperation');
    await expectRevert((await payment(first, 1n, applied.message.operationId)).call(), 'DuplicateOperation'); // one id space
    await (await payment(first, 100n, c)).send();

    await fixture.send(payments, 'refund', [a, 200n]);
    await expectRevert(payments.getFunction('refund').staticCall(a, 501n), 'RefundExceedsOutstanding');
    expect((await readBill(fixture.chain, a)).status).toBe('UNSETTLED');
    expect((await readCreditLine(fixture.chain, lineId)).used).toBe(600n);

    const settlementId = aBillId();
    await expectRevert(settlements.getFunction('beginSettlement').staticCall(settlementId, [a, b]), 'BillsOfDifferentLines');
    await fixture.send(settlements, 'beginSettlement', [settlementId, [a, c]]);
    expect((await readBill(fixture.chain, a)).status).toBe('IN_SETTLEMENT');
    await expectRevert(payments.getFunction('refund').staticCall(a, 1n), 'BillNotUnsettled');
    expect((await readCreditAccount(fixture.chain, creditAccountId)).openSettlements).toBe(1);
    const close = await accountChange(enterprise, 'CLOSE', 'ORGANISATION', acme.attestor);
    await expectRevert(close.call(), 'CreditInUse');

    await fixture.send(settlements, 'abandonSettlement', [settlementId, [a, c]]);
    expect((await readBill(fixture.chain, a)).status).toBe('UNSETTLED');
    const again = aBillId();
    await fixture.send(settlements, 'beginSettlement', [again, [a, c]]);
    await fixture.send(settlements, 'completeSettlement', [again, [a, c]]);
    expect((await readBill(fixture.chain, c)).status).toBe('SETTLED');
    expect((await readCreditLine(fixture.chain, lineId)).used).toBe(0n);
    const account = await readCreditAccount(fixture.chain, creditAccountId);
    expect(account).toMatchObject({ used: 700n, openSettlements: 0 });
    // invariant: account.used = Σ used of its lines
    expect(account.used).toBe((await readCreditLine(fixture.chain, lineId)).used + (await readCreditLine(fixture.chain, secondLine)).used);
  });

  it('blocks payments on an expired line and for a lapsed or frozen party, never refunds', async () => {
    const line = await anActiveLine();
    const { enterprise } = line;
    const billId = aBillId();
    await (await payment(line, 10n, billId)).send();
    const freeze = { operationId: fixture.nextOperationId('acme-pay'), account: enterprise.address, action: 1, deadline: await deadline() };
    const signature = signTypedDataWith(acme.attestor.privateKey, fixture.chain.typedData('AccountStatusChange', freeze));
    await fixture.send(fixture.connect('AccountRegistry', fixture.relayer), 'changeStatus', [freeze, signature]);
    await expectRevert((await payment(line, 1n)).call(), 'AccountNotActive');
    await fixture.send(payments, 'refund', [billId, 10n]);
    expect((await readBill(fixture.chain, billId)).status).toBe('REFUNDED');

    const other = await anActiveLine();
    await fixture.advance(31 * 86_400);
    await expectRevert((await payment(other, 1n)).call(), 'CreditLineExpired');
  });
});
