// TallyToken and Payments against a real anvil: the ERC-1155 standard as it states it, the holder
// rules on top of it, issuance and redemption by the issuer organisation, escrow through the
// settlements role, and payments on credit and in tokens verified by the contracts themselves.
import { Contract, NonceManager, Wallet, parseEther, type TransactionReceipt } from 'ethers';
import {
  creditAccountIdOf,
  currencyCodeToBytes3,
  decodeChainError,
  interfaceOf,
  CREDIT_PAYMENT_GAS,
  batchCalldata,
  payOnCreditArguments,
  payOnCreditOperation,
  readCreditLine,
  referenceHashOf,
  signTypedDataWith,
  symbolToBytes32,
  tokenIdOf,
  orgIdOf,
  type CreditPaymentMessage,
} from '#chain-adapter';
import { devPrivateKey } from '../../../test/support/anvil.js';
import { expectRevert, startChainFixture, type ChainFixture } from './chain-fixture.js';
import { receiverBytecode } from './receivers.js';

let fixture: ChainFixture;
let token: Contract;
let payments: Contract;
let ledger: Contract;
let escrowAgent: Contract;
let acme: { code: string; attestor: Wallet; admin: Wallet };
let beta: { code: string; attestor: Wallet; admin: Wallet };
let gamma: { code: string; attestor: Wallet; admin: Wallet };
let acmeUsd: bigint;

beforeAll(async () => {
  fixture = await startChainFixture();
  token = fixture.connect('TallyToken', fixture.relayer);
  payments = fixture.connect('Payments', fixture.relayer);
  ledger = fixture.connect('CreditLedger', fixture.relayer);
  const settlementsKey = new NonceManager(new Wallet(devPrivateKey(8), fixture.provider));
  const admin = fixture.connect('TallyToken', fixture.operator);
  await fixture.send(admin, 'grantRole', [await token.getFunction('SETTLEMENTS_ROLE')(), await settlementsKey.getAddress()]);
  escrowAgent = fixture.connect('TallyToken', settlementsKey);
  acme = await fixture.anOrganisation('acme-pay');
  beta = await fixture.anOrganisation('beta-pay');
  gamma = await fixture.anOrganisation('gamma-pay');
  acmeUsd = await registerClass(gamma, 'GUSD', 'USD', 2);
});

afterAll(async () => {
  await fixture?.close();
});

const deadline = async () => (await fixture.now()) + 600n;

async function registerClass(org: { code: string; attestor: Wallet }, symbol: string, currency: string, decimals: number): Promise<bigint> {
  const message = { operationId: fixture.nextOperationId(org.code), orgId: orgIdOf(org.code), symbol: symbolToBytes32(symbol), currency: currencyCodeToBytes3(currency), decimals, deadline: await deadline() };
  const signature = signTypedDataWith(org.attestor.privateKey, fixture.chain.typedData('TokenClassRegistration', message));
  await fixture.send(token, 'registerTokenClass', [message, signature]);
  return tokenIdOf(orgIdOf(org.code), symbol);
}

async function issuance(tokenId: bigint, to: string, amount: bigint, signer = gamma.attestor) {
  const message = { operationId: fixture.nextOperationId('gamma-pay'), tokenId, to, amount, deadline: await deadline() };
  const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('Issuance', message));
  return { message, signature, send: () => fixture.send(token, 'issue', [message, signature]), call: () => token.getFunction('issue').staticCall(message, signature) };
}

/** A registered account that holds ether, so it can call the token's standard functions itself. */
async function aHolder(org = acme, kind: 'ENTERPRISE' | 'MERCHANT' = 'ENTERPRISE'): Promise<Wallet> {
  const wallet = await fixture.anAccount(org, kind);
  await fixture.provider.send('anvil_setBalance', [wallet.address, `0x${parseEther('1').toString(16)}`]);
  return wallet.connect(fixture.provider) as Wallet;
}

async function freeze(org: { code: string; attestor: Wallet }, account: string, action = 1) {
  const message = { operationId: fixture.nextOperationId(org.code), account, action, deadline: await deadline() };
  const signature = signTypedDataWith(org.attestor.privateKey, fixture.chain.typedData('AccountStatusChange', message));
  await fixture.send(fixture.connect('AccountRegistry', fixture.relayer), 'changeStatus', [message, signature]);
}

const eventsOf = (receipt: TransactionReceipt, name: 'TallyToken' | 'Payments' | 'CreditLedger') =>
  receipt.logs.flatMap((log) => {
    try {
      const parsed = interfaceOf(name).parseLog(log);
      return parsed ? [parsed] : [];
    } catch {
      return [];
    }
  });

describe('token classes, issuance and redemption', () => {
  it('registers a class only with decimals equal to the currency exponent, once per symbol', async () => {
    const message = { operationId: fixture.nextOperationId('acme-pay'), orgId: orgIdOf('acme-pay'), symbol: symbolToBytes32('AJPY'), currency: currencyCodeToBytes3('JPY'), decimals: 2, deadline: await deadline() };
    const signature = signTypedDataWith(acme.attestor.privateKey, fixture.chain.typedData('TokenClassRegistration', message));
    const args = await expectRevert(token.getFunction('registerTokenClass').staticCall(message, signature), 'DecimalsMismatch');
    expect(args).toMatchObject({ decimals: '2', exponent: '0' });
    const unknown = { ...message, currency: currencyCodeToBytes3('XXX'), decimals: 2 };
    await expectRevert(token.getFunction('registerTokenClass').staticCall(unknown, signTypedDataWith(acme.attestor.privateKey, fixture.chain.typedData('TokenClassRegistration', unknown))), 'CurrencyNotSupported');
    const forged = { ...message, decimals: 0 };
    await expectRevert(token.getFunction('registerTokenClass').staticCall(forged, signTypedDataWith(beta.attestor.privateKey, fixture.chain.typedData('TokenClassRegistration', forged))), 'InvalidSignature');
    for (const symbol of [`0x${'ff'.repeat(32)}`, `0x${'41'.repeat(32)}`, `0x61${'00'.repeat(31)}`, `0x00${'41'.repeat(1)}${'00'.repeat(30)}`]) {
      const bad = { ...message, operationId: fixture.nextOperationId('acme-pay'), symbol, decimals: 0 };
      await expectRevert(token.getFunction('registerTokenClass').staticCall(bad, signTypedDataWith(acme.attestor.privateKey, fixture.chain.typedData('TokenClassRegistration', bad))), 'InvalidSymbol');
    }
    const again = { ...message, operationId: fixture.nextOperationId('gamma-pay'), orgId: orgIdOf('gamma-pay'), symbol: symbolToBytes32('GUSD'), currency: currencyCodeToBytes3('USD') };
    await expectRevert(token.getFunction('registerTokenClass').staticCall(again, signTypedDataWith(gamma.attestor.privateKey, fixture.chain.typedData('TokenClassRegistration', again))), 'TokenClassExists');
  });

  it('issues only with the issuer attestor, only to usable accounts', async () => {
    const holder = await aHolder();
    await expectRevert((await issuance(acmeUsd, holder.address, 100n, acme.attestor)).call(), 'InvalidSignature');
    await expectRevert((await issuance(acmeUsd, Wallet.createRandom().address, 100n)).call(), 'AccountNotRegistered');
    const receipt = await (await issuance(acmeUsd, holder.address, 100n)).send();
    expect(eventsOf(receipt, 'TallyToken').map((event) => event.name)).toEqual(['TransferSingle', 'TokensIssued']);
    expect(await token.getFunction('balanceOf')(holder.address, acmeUsd)).toBe(100n);
    await freeze(acme, holder.address);
    await expectRevert((await issuance(acmeUsd, holder.address, 1n)).call(), 'AccountNotActive');
  });

  it('redeems with the holder and the issuer attestor, also for a frozen holder', async () => {
    const holder = await aHolder();
    await (await issuance(acmeUsd, holder.address, 50n)).send();
    await freeze(acme, holder.address);
    const message = { operationId: fixture.nextOperationId('gamma-pay'), tokenId: acmeUsd, from: holder.address, amount: 30n, deadline: await deadline() };
    const typed = fixture.chain.typedData('Redemption', message);
    await expectRevert(token.getFunction('redeem').staticCall(message, signTypedDataWith(holder.privateKey, typed), signTypedDataWith(acme.attestor.privateKey, typed)), 'InvalidSignature');
    await fixture.send(token, 'redeem', [message, signTypedDataWith(holder.privateKey, typed), signTypedDataWith(gamma.attestor.privateKey, typed)]);
    expect(await token.getFunction('balanceOf')(holder.address, acmeUsd)).toBe(20n);
    expect(await token.getFunction('totalSupply(uint256)')(acmeUsd)).toBeGreaterThanOrEqual(20n);
  });
});

describe('ERC-1155 as the standard states it, under the holder rules', () => {
  it('answers supportsInterface for ERC-165, ERC-1155, its metadata URI and AccessControl, and nothing else', async () => {
    for (const id of ['0x01ffc9a7', '0xd9b67a26', '0x0e89341c', '0x7965db0b']) expect(await token.getFunction('supportsInterface')(id)).toBe(true);
    expect(await token.getFunction('supportsInterface')('0xffffffff')).toBe(false);
  });

  it('moves single and batch transfers by the holder, with TransferSingle and TransferBatch', async () => {
    const other = await registerClass(gamma, `G${Date.now() % 100000}`, 'EUR', 2);
    const [alice, bob] = [await aHolder(), await aHolder(beta, 'MERCHANT')];
    await (await issuance(acmeUsd, alice.address, 100n)).send();
    await (await issuance(other, alice.address, 70n)).send();
    const asAlice = token.connect(alice) as Contract;

    const single = await fixture.send(asAlice, 'safeTransferFrom', [alice.address, bob.address, acmeUsd, 40n, '0x']);
    const [transferSingle] = eventsOf(single, 'TallyToken');
    expect(transferSingle.name).toBe('TransferSingle');
    expect([...transferSingle.args]).toEqual([alice.address, alice.address, bob.address, acmeUsd, 40n]);

    const batch = await fixture.send(asAlice, 'safeBatchTransferFrom', [alice.address, bob.address, [acmeUsd, other], [10n, 20n], '0x']);
    expect(eventsOf(batch, 'TallyToken').map((event) => event.name)).toEqual(['TransferBatch']);
    const balances: bigint[] = await token.getFunction('balanceOfBatch')([alice.address, alice.address, bob.address, bob.address], [acmeUsd, other, acmeUsd, other]);
    expect(balances).toEqual([50n, 50n, 50n, 20n]);
    const args = await expectRevert(asAlice.getFunction('safeTransferFrom').staticCall(alice.address, bob.address, acmeUsd, 51n, '0x'), 'ERC1155InsufficientBalance');
    expect(args).toMatchObject({ balance: '50', needed: '51' });
  });

  it('lets an approved operator move tokens, and nobody else', async () => {
    const [alice, operator, bob] = [await aHolder(), await aHolder(), await aHolder(beta, 'MERCHANT')];
    await (await issuance(acmeUsd, alice.address, 10n)).send();
    const asOperator = token.connect(operator) as Contract;
    await expectRevert(asOperator.getFunction('safeTransferFrom').staticCall(alice.address, bob.address, acmeUsd, 1n, '0x'), 'ERC1155MissingApprovalForAll');
    const approval = await fixture.send(token.connect(alice) as Contract, 'setApprovalForAll', [operator.address, true]);
    expect(eventsOf(approval, 'TallyToken')[0].name).toBe('ApprovalForAll');
    expect(await token.getFunction('isApprovedForAll')(alice.address, operator.address)).toBe(true);
    await fixture.send(asOperator, 'safeTransferFrom', [alice.address, bob.address, acmeUsd, 4n, '0x']);
    expect(await token.getFunction('balanceOf')(bob.address, acmeUsd)).toBe(4n);
  });

  it('holds tokens only in registered accounts: receivers that are not registered (contracts included) are refused', async () => {
    const alice = await aHolder();
    await (await issuance(acmeUsd, alice.address, 10n)).send();
    const asAlice = token.connect(alice) as Contract;
    // The registry itself is a contract without onERC1155Received: refused before the hook is reached.
    await expectRevert(asAlice.getFunction('safeTransferFrom').staticCall(alice.address, fixture.chain.address('AccountRegistry'), acmeUsd, 1n, '0x'), 'NotAHolder');
    await expectRevert(asAlice.getFunction('safeTransferFrom').staticCall(alice.address, Wallet.createRandom().address, acmeUsd, 1n, '0x'), 'NotAHolder');
  });

  it('calls the receiver hook of a registered contract account and honours its answer', async () => {
    const { accepting, refusing } = receiverBytecode();
    const alice = await aHolder();
    await (await issuance(acmeUsd, alice.address, 10n)).send();
    // Registered accounts whose address then holds contract code (a smart-contract wallet).
    const [willing, unwilling] = [await fixture.anAccount(beta, 'MERCHANT'), await fixture.anAccount(beta, 'MERCHANT')];
    await fixture.provider.send('anvil_setCode', [willing.address, accepting]);
    await fixture.provider.send('anvil_setCode', [unwilling.address, refusing]);
    const asAlice = token.connect(alice) as Contract;
    const receipt = await fixture.send(asAlice, 'safeTransferFrom', [alice.address, willing.address, acmeUsd, 3n, '0x']);
    expect(receipt.logs.some((log) => log.address === willing.address)).toBe(true); // the hook ran and logged
    expect(await token.getFunction('balanceOf')(willing.address, acmeUsd)).toBe(3n);
    const args = await expectRevert(asAlice.getFunction('safeTransferFrom').staticCall(alice.address, unwilling.address, acmeUsd, 1n, '0x'), 'ERC1155InvalidReceiver');
    expect(args.receiver).toBe(unwilling.address);
  });

  it('blocks outgoing transfers of a frozen or lapsed holder, but never its receiving', async () => {
    const [alice, bob] = [await aHolder(), await aHolder()];
    await (await issuance(acmeUsd, alice.address, 10n)).send();
    await (await issuance(acmeUsd, bob.address, 10n)).send();
    await freeze(acme, alice.address);
    await expectRevert((token.connect(alice) as Contract).getFunction('safeTransferFrom').staticCall(alice.address, bob.address, acmeUsd, 1n, '0x'), 'AccountNotActive');
    await fixture.send(token.connect(bob) as Contract, 'safeTransferFrom', [bob.address, alice.address, acmeUsd, 1n, '0x']);
    expect(await token.getFunction('balanceOf')(alice.address, acmeUsd)).toBe(11n);
  });

  it('relays a transfer signed by the holder', async () => {
    const [alice, bob] = [await fixture.anAccount(acme, 'ENTERPRISE'), await fixture.anAccount(beta, 'MERCHANT')];
    await (await issuance(acmeUsd, alice.address, 10n)).send();
    const message = { operationId: fixture.nextOperationId('acme-pay'), tokenId: acmeUsd, from: alice.address, to: bob.address, amount: 3n, deadline: await deadline() };
    await expectRevert(token.getFunction('transfer').staticCall(message, signTypedDataWith(bob.privateKey, fixture.chain.typedData('TokenTransfer', message))), 'InvalidSignature');
    const receipt = await fixture.send(token, 'transfer', [message, signTypedDataWith(alice.privateKey, fixture.chain.typedData('TokenTransfer', message))]);
    expect(eventsOf(receipt, 'TallyToken').map((event) => event.name)).toEqual(['TransferSingle', 'TokensTransferred']);
  });
});

describe('escrow (settlements role)', () => {
  it('locks a frozen holder\'s tokens, releases or returns them, and keeps supply = balances + escrow', async () => {
    const tokenId = await registerClass(gamma, `E${Date.now() % 100000}`, 'USD', 2);
    const [enterprise, merchant] = [await aHolder(), await aHolder(beta, 'MERCHANT')];
    await (await issuance(tokenId, enterprise.address, 100n)).send();
    await freeze(acme, enterprise.address);
    const [first, second] = [`0x${'a1'.repeat(32)}`, `0x${'a2'.repeat(32)}`];
    await expectRevert(token.getFunction('lockEscrow').staticCall(first, tokenId, enterprise.address, 10n), 'AccessControlUnauthorizedAccount');
    await fixture.send(escrowAgent, 'lockEscrow', [first, tokenId, enterprise.address, 30n]);
    await fixture.send(escrowAgent, 'lockEscrow', [second, tokenId, enterprise.address, 20n]);
    const supply = async () => token.getFunction('totalSupply(uint256)')(tokenId) as Promise<bigint>;
    const balance = (holder: string) => token.getFunction('balanceOf')(holder, tokenId) as Promise<bigint>;
    const tokenAddress = fixture.chain.address('TallyToken');
    expect(await balance(tokenAddress)).toBe(50n);
    expect(await supply()).toBe((await balance(enterprise.address)) + (await balance(merchant.address)) + (await balance(tokenAddress)));

    await fixture.send(escrowAgent, 'releaseEscrow', [first, merchant.address]);
    await fixture.send(escrowAgent, 'returnEscrow', [second]);
    expect([await balance(enterprise.address), await balance(merchant.address), await balance(tokenAddress)]).toEqual([70n, 30n, 0n]);
    await expectRevert(escrowAgent.getFunction('returnEscrow').staticCall(first), 'EscrowNotFound');
    expect(await supply()).toBe(100n);
  });
});

describe('Payments', () => {
  async function aLine(limit: bigint, ceiling = 1_000_000n) {
    const enterprise = await fixture.anAccount(acme, 'ENTERPRISE');
    const merchant = await fixture.anAccount(beta, 'MERCHANT');
    const ceilingMessage = { operationId: fixture.nextOperationId('acme-pay'), enterprise: enterprise.address, currency: currencyCodeToBytes3('USD'), ceiling, deadline: await deadline() };
    await fixture.send(ledger, 'setCeiling', [ceilingMessage, signTypedDataWith(acme.attestor.privateKey, fixture.chain.typedData('CreditCeiling', ceilingMessage))]);
    const application = {
      operationId: fixture.nextOperationId('acme-pay'), enterprise: enterprise.address, merchant: merchant.address, currency: currencyCodeToBytes3('USD'),
      requestedLimit: limit, termDays: 30, expiresAt: (await fixture.now()) + 86_400n * 60n, referenceHash: referenceHashOf('x'), deadline: await deadline(),
    };
    await fixture.send(ledger, 'submitApplication', [application, signTypedDataWith(enterprise.privateKey, fixture.chain.typedData('CreditApplication', application))]);
    const decision = { operationId: fixture.nextOperationId('beta-pay'), applicationId: application.operationId, outcome: 1, limit, reasonCode: 0, deadline: await deadline() };
    await fixture.send(ledger, 'decideApplication', [decision, signTypedDataWith(merchant.privateKey, fixture.chain.typedData('CreditDecision', decision))]);
    return { enterprise, merchant, lineId: application.operationId, creditAccountId: creditAccountIdOf(enterprise.address, 'USD') };
  }

  async function creditPayment(line: { enterprise: Wallet; merchant: Wallet; lineId: string }, amount: bigint, signer = line.enterprise, payee = line.merchant.address) {
    const message: CreditPaymentMessage = { operationId: fixture.nextOperationId('acme-pay'), lineId: line.lineId, payee, amount, deadline: await deadline() };
    const signature = signTypedDataWith(signer.privateKey, fixture.chain.typedData('CreditPayment', { ...message }));
    return { message, signature, send: () => fixture.send(ledger, 'payOnCredit', payOnCreditArguments(message, signature)), call: () => ledger.getFunction('payOnCredit').staticCall(...payOnCreditArguments(message, signature)) };
  }

  it('records a credit payment as a bill only with the payer\'s signature, to the line\'s merchant, within the limits', async () => {
    const line = await aLine(1_000n);
    await expectRevert((await creditPayment(line, 10n, line.merchant)).call(), 'InvalidSignature');
    await expectRevert((await creditPayment(line, 10n, line.enterprise, Wallet.createRandom().address)).call(), 'PayeeNotOnLine');
    await expectRevert((await creditPayment(line, 1_001n)).call(), 'CreditLimitExceeded');
    const paid = await creditPayment(line, 400n);
    const receipt = await paid.send();
    expect(eventsOf(receipt, 'Payments')).toEqual([]);
    const recorded = eventsOf(receipt, 'CreditLedger');
    expect(recorded.map((event) => event.name)).toEqual(['BillRecorded']);
    expect(recorded[0].args.billId).toBe(paid.message.operationId);
    expect(recorded[0].args.amount).toBe(400n);
    await expectRevert(paid.call(), 'DuplicateOperation');
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(400n);
  });

  it.each([
    ['payOnCreditBatch (one call frame)', (calls: string[]) => ({ to: ledger, data: batchCalldata('CreditLedger', calls) })],
    ['batch of payOnCredit calls', (calls: string[]) => ({ to: ledger, data: ledger.interface.encodeFunctionData('batch', [calls]) })],
  ])('records exactly as many payments as the limit allows in one %s, refusing the rest with CreditLimitExceeded', async (_, build) => {
    const line = await aLine(2_000n);
    const orders = await Promise.all(Array.from({ length: 50 }, () => creditPayment(line, 100n)));
    const { data } = build(orders.map((order) => payOnCreditOperation(order.message, order.signature).calldata));
    const receipt = await fixture.sendRaw(ledger, data);
    const events = eventsOf(receipt, 'CreditLedger');
    expect(events.filter((event) => event.name === 'BillRecorded')).toHaveLength(20);
    const rejected = events.filter((event) => event.name === 'OperationRejected');
    expect(rejected).toHaveLength(30);
    expect(new Set(rejected.map((event) => decodeChainError(event.args.errorData).code))).toEqual(new Set(['CREDIT_LIMIT_EXCEEDED']));
    expect(rejected.map((event) => event.args.operationId)).toEqual(orders.slice(20).map((order) => order.message.operationId));
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(2_000n);
  });

  it('refuses in a payOnCreditBatch what payOnCredit refuses, with the same errors, and records the rest', async () => {
    const line = await aLine(1_000n);
    const good = await creditPayment(line, 10n);
    const badSignature = await creditPayment(line, 10n, line.merchant);
    const wrongPayee = await creditPayment(line, 10n, line.enterprise, Wallet.createRandom().address);
    const duplicate = { ...good };
    const items = [good, badSignature, wrongPayee, duplicate];
    const singly = await Promise.all(items.slice(1, 3).map((item) => item.call().then(() => 'accepted', (error) => decodeChainError(error.data).errorName)));
    const receipt = await fixture.sendRaw(ledger, batchCalldata('CreditLedger', items.map((item) => payOnCreditOperation(item.message, item.signature).calldata)));
    const rejected = eventsOf(receipt, 'CreditLedger').filter((event) => event.name === 'OperationRejected');
    expect(rejected.map((event) => decodeChainError(event.args.errorData).errorName)).toEqual([...singly, 'DuplicateOperation']);
    expect(singly).toEqual(['InvalidSignature', 'PayeeNotOnLine']);
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(10n);
  });

  it('costs at most 40,000 gas per credit payment in a batch of 200 over 4 lines (one new slot each)', async () => {
    const lines = [];
    for (let i = 0; i < 4; i += 1) lines.push(await aLine(1_000_000n));
    const orders = [];
    for (let i = 0; i < 200; i += 1) orders.push(await creditPayment(lines[i % 4], 1_000n + BigInt(i)));
    const receipt = await fixture.sendRaw(ledger, batchCalldata('CreditLedger', orders.map((order) => payOnCreditOperation(order.message, order.signature).calldata)));
    const events = eventsOf(receipt, 'CreditLedger');
    expect(events.filter((event) => event.name === 'OperationRejected')).toHaveLength(0);
    expect(events.filter((event) => event.name === 'BillRecorded')).toHaveLength(200);
    const gasPerPayment = Number(receipt.gasUsed) / 200;
    process.stdout.write(`gas per credit payment in a batch of 200 over 4 lines: ${Math.round(gasPerPayment)}\n`);
    expect(gasPerPayment).toBeLessThanOrEqual(40_000);
    for (const order of orders.slice(0, 4)) expect(await payments.getFunction('operationRecorded')(order.message.operationId)).toBe(true);
  });

  it('stays within the submitter\'s gas allowance per credit payment when every slot it touches is cold', async () => {
    const lines = [];
    for (let i = 0; i < 4; i += 1) lines.push(await aLine(1_000n));
    const orders = await Promise.all(lines.map((line) => creditPayment(line, 10n)));
    const receipt = await fixture.sendRaw(ledger, batchCalldata('CreditLedger', orders.map((order) => payOnCreditOperation(order.message, order.signature).calldata)));
    expect(eventsOf(receipt, 'CreditLedger').filter((event) => event.name === 'BillRecorded')).toHaveLength(4);
    process.stdout.write(`gas per credit payment, all cold, in a batch of 4: ${Number(receipt.gasUsed) / 4}\n`);
    expect(receipt.gasUsed / 4n).toBeLessThanOrEqual(CREDIT_PAYMENT_GAS);
  });

  it('refunds with the merchant\'s signature and restores the credit', async () => {
    const line = await aLine(1_000n);
    const paid = await creditPayment(line, 300n);
    await paid.send();
    const refund = async (amount: bigint, signer: Wallet) => {
      const message = { operationId: fixture.nextOperationId('beta-pay'), paymentId: paid.message.operationId, amount, deadline: await deadline() };
      return { message, signature: signTypedDataWith(signer.privateKey, fixture.chain.typedData('Refund', message)) };
    };
    const byEnterprise = await refund(100n, line.enterprise);
    await expectRevert(payments.getFunction('refund').staticCall(byEnterprise.message, byEnterprise.signature), 'InvalidSignature');
    const partial = await refund(100n, line.merchant);
    await fixture.send(payments, 'refund', [partial.message, partial.signature]);
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(200n);
    const rest = await refund(200n, line.merchant);
    const receipt = await fixture.send(payments, 'refund', [rest.message, rest.signature]);
    expect(eventsOf(receipt, 'CreditLedger').map((event) => event.name)).toEqual(['BillRefunded', 'BillStatusChanged']);
    expect((await readCreditLine(fixture.chain, line.lineId)).used).toBe(0n);
  });

  it('pays in tokens issued by a third organisation, only to a merchant that accepts the class', async () => {
    const payer = await fixture.anAccount(acme, 'ENTERPRISE');
    const merchant = await fixture.anAccount(beta, 'MERCHANT');
    await (await issuance(acmeUsd, payer.address, 500n)).send();
    const pay = async (amount: bigint, tokenId = acmeUsd) => {
      const message = { operationId: fixture.nextOperationId('acme-pay'), payer: payer.address, payee: merchant.address, tokenId, amount, deadline: await deadline() };
      return { message, signature: signTypedDataWith(payer.privateKey, fixture.chain.typedData('TokenPayment', message)) };
    };
    const first = await pay(120n);
    const receipt = await fixture.send(payments, 'payWithTokens', [first.message, first.signature]);
    expect(eventsOf(receipt, 'Payments').map((event) => event.name)).toEqual(['PaymentRecorded']);
    expect(await token.getFunction('balanceOf')(merchant.address, acmeUsd)).toBe(120n);
    const tooMuch = await pay(1_000n);
    await expectRevert(payments.getFunction('payWithTokens').staticCall(tooMuch.message, tooMuch.signature), 'ERC1155InsufficientBalance');

    const other = await registerClass(gamma, `O${Date.now() % 100000}`, 'USD', 2);
    const acceptance = { operationId: fixture.nextOperationId('beta-pay'), merchant: merchant.address, tokenId: other, accepted: true, deadline: await deadline() };
    await fixture.send(token, 'setAcceptance', [acceptance, signTypedDataWith(merchant.privateKey, fixture.chain.typedData('TokenAcceptance', acceptance))]);
    const refused = await pay(1n);
    await expectRevert(payments.getFunction('payWithTokens').staticCall(refused.message, refused.signature), 'TokenClassNotAccepted');

    await freeze(acme, payer.address);
    const frozen = await pay(1n, other);
    await expectRevert(payments.getFunction('payWithTokens').staticCall(frozen.message, frozen.signature), 'AccountNotActive');
  });
});
