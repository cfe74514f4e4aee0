// A private anvil with the contracts deployed, and builders that act directly on the contracts:
// organisations with their keys and a relayer, accounts registered with their attestor's review.
import { Contract, NonceManager, Wallet, type JsonRpcProvider, type TransactionReceipt } from 'ethers';
import {
  ChainClient,
  accountKindCodes,
  currencyCodeToBytes3,
  decodeChainError,
  referenceHashOf,
  symbolToBytes32,
  tokenIdOf,
  deployContracts,
  operationIdOf,
  orgIdOf,
  payOnCreditArguments,
  signTypedDataWith,
  waitForReceipt,
  writeManifest,
  type AnvilNode,
  type ContractName,
} from '#chain-adapter';
import { currencyExponents } from '#common';
import { devPrivateKey, startTestAnvil } from '../../../test/support/anvil.js';

export type Org = { code: string; attestor: Wallet };

export interface CreditLineFixture {
  enterprise: Wallet;
  merchant: Wallet;
  lineId: string;
  currency: string;
}

export interface ChainFixture {
  anvil: AnvilNode;
  chain: ChainClient;
  provider: JsonRpcProvider;
  /** The deployer: consortium operator and admin of the ledger's roles. */
  operator: NonceManager;
  /** A relayer registered by every organisation the fixture admits. */
  relayer: NonceManager;
  connect(name: ContractName, signer: NonceManager | Wallet): Contract;
  send(contract: Contract, method: string, args: unknown[]): Promise<TransactionReceipt>;
  /** Sends `data` to the contract from its runner (e.g. a batch's calldata built by the adapter). */
  sendRaw(contract: Contract, data: string): Promise<TransactionReceipt>;
  now(): Promise<bigint>;
  /** Moves chain time forward and mines a block. */
  advance(seconds: number): Promise<void>;
  nextOperationId(orgCode: string): string;
  anOrganisation(code: string): Promise<{ code: string; admin: Wallet; attestor: Wallet }>;
  anAccount(org: { code: string; attestor: Wallet }, kind: 'ENTERPRISE' | 'MERCHANT', qualificationSeconds?: bigint): Promise<Wallet>;
  /** An enterprise of `enterpriseOrg` with a ceiling and an approved line from a merchant of `merchantOrg`. */
  aCreditLine(enterpriseOrg: Org, merchantOrg: Org, limit: bigint, currency?: string): Promise<CreditLineFixture>;
  /** A credit payment on the line, recorded by CreditLedger; returns the bill id. */
  aCreditPayment(line: CreditLineFixture, amount: bigint): Promise<string>;
  aTokenClass(org: Org, symbol: string, currency: string): Promise<bigint>;
  issue(org: Org, tokenId: bigint, to: string, amount: bigint): Promise<void>;
  close(): Promise<void>;
}

/** Awaits a call expected to revert with `errorName`; returns the error's arguments. */
export async function expectRevert(promise: Promise<unknown>, errorName: string): Promise<Record<string, string>> {
  try {
    await promise;
  } catch (error) {
    const decoded = decodeChainError((error as { data?: string }).data);
    expect(decoded.errorName).toBe(errorName);
    return decoded.args;
  }
  throw new Error(`expected a revert with ${errorName}`);
}

export async function startChainFixture(): Promise<ChainFixture> {
  const anvil = await startTestAnvil();
  const manifest = await deployContracts({ rpcUrl: anvil.rpcUrl, deployerPrivateKey: devPrivateKey(0) });
  const manifestPath = `/tmp/tally-chain-fixture-${process.pid}-${Date.now()}.json`;
  writeManifest(manifestPath, manifest);
  const chain = await ChainClient.connect(anvil.rpcUrl, manifestPath);
  const provider = chain.provider;
  const operator = new NonceManager(new Wallet(devPrivateKey(0), provider));
  const relayer = new NonceManager(new Wallet(devPrivateKey(1), provider));
  let sequence = 0;

  const fixture: ChainFixture = {
    anvil,
    chain,
    provider,
    operator,
    relayer,
    connect: (name, signer) => chain.contract(name).connect(signer) as Contract,
    send: async (contract, method, args) => {
      const tx = await contract.getFunction(method).send(...args);
      return waitForReceipt(provider, tx.hash, 10_000);
    },
    sendRaw: async (contract, data) => {
      const tx = await (contract.runner as NonceManager).sendTransaction({ to: await contract.getAddress(), data });
      return waitForReceipt(provider, tx.hash, 10_000);
    },
    now: () => chain.latestTimestamp(),
    advance: async (seconds) => {
      await provider.send('evm_increaseTime', [seconds]);
      await provider.send('evm_mine', []);
    },
    nextOperationId: (orgCode) => operationIdOf(orgCode, `fixture-${sequence++}`),
    anOrganisation: async (code) => {
      const admin = Wallet.createRandom() as unknown as Wallet;
      const attestor = Wallet.createRandom() as unknown as Wallet;
      await fixture.send(fixture.connect('Consortium', operator), 'admitOrganisation', [orgIdOf(code), admin.address, attestor.address]);
      const org = await chain.organisation(code);
      const deadline = (await fixture.now()) + 600n;
      const relayerAddress = await relayer.getAddress();
      const signature = signTypedDataWith(
        admin.privateKey,
        chain.typedData('AddRelayer', { orgId: orgIdOf(code), relayer: relayerAddress, nonce: org.nonce, deadline }),
      );
      if (!(await chain.isRelayer(relayerAddress))) {
        await fixture.send(fixture.connect('Consortium', operator), 'addRelayer', [orgIdOf(code), relayerAddress, deadline, signature]);
      }
      return { code, admin, attestor };
    },
    anAccount: async (org, kind, qualificationSeconds = 365n * 86_400n) => {
      const key = Wallet.createRandom() as unknown as Wallet;
      const now = await fixture.now();
      const message = {
        operationId: fixture.nextOperationId(org.code),
        account: key.address,
        orgId: orgIdOf(org.code),
        kind: accountKindCodes[kind],
        certificateHash: '0x' + '11'.repeat(32),
        qualificationExpiresAt: now + qualificationSeconds,
        deadline: now + 600n,
      };
      const attestorSignature = signTypedDataWith(org.attestor.privateKey, chain.typedData('QualificationReview', message));
      const proof = signTypedDataWith(
        key.privateKey,
        chain.typedData('AccountKeyProof', { operationId: message.operationId, account: key.address, orgId: message.orgId }),
      );
      await fixture.send(fixture.connect('AccountRegistry', relayer), 'register', [message, attestorSignature, proof]);
      return key;
    },
    aCreditLine: async (enterpriseOrg, merchantOrg, limit, currency = 'USD') => {
      const enterprise = await fixture.anAccount(enterpriseOrg, 'ENTERPRISE');
      const merchant = await fixture.anAccount(merchantOrg, 'MERCHANT');
      const ledger = fixture.connect('CreditLedger', relayer);
      const deadline = (await fixture.now()) + 600n;
      const ceiling = { operationId: fixture.nextOperationId(enterpriseOrg.code), enterprise: enterprise.address, currency: currencyCodeToBytes3(currency), ceiling: limit * 10n, deadline };
      await fixture.send(ledger, 'setCeiling', [ceiling, signTypedDataWith(enterpriseOrg.attestor.privateKey, chain.typedData('CreditCeiling', ceiling))]);
      const application = {
        operationId: fixture.nextOperationId(enterpriseOrg.code), enterprise: enterprise.address, merchant: merchant.address, currency: currencyCodeToBytes3(currency),
        requestedLimit: limit, termDays: 30, expiresAt: (await fixture.now()) + 86_400n * 90n, referenceHash: referenceHashOf('fixture'), deadline,
      };
      await fixture.send(ledger, 'submitApplication', [application, signTypedDataWith(enterprise.privateKey, chain.typedData('CreditApplication', application))]);
      const decision = { operationId: fixture.nextOperationId(merchantOrg.code), applicationId: application.operationId, outcome: 1, limit, reasonCode: 0, deadline };
      await fixture.send(ledger, 'decideApplication', [decision, signTypedDataWith(merchant.privateKey, chain.typedData('CreditDecision', decision))]);
      return { enterprise, merchant, lineId: application.operationId, currency };
    },
    aCreditPayment: async (line, amount) => {
      const message = { operationId: fixture.nextOperationId('fixture-pay'), lineId: line.lineId, payee: line.merchant.address, amount, deadline: (await fixture.now()) + 600n };
      await fixture.send(fixture.connect('CreditLedger', relayer), 'payOnCredit', payOnCreditArguments(message, signTypedDataWith(line.enterprise.privateKey, chain.typedData('CreditPayment', message))));
      return message.operationId;
    },
    aTokenClass: async (org, symbol, currency) => {
      const message = { operationId: fixture.nextOperationId(org.code), orgId: orgIdOf(org.code), symbol: symbolToBytes32(symbol), currency: currencyCodeToBytes3(currency), decimals: currencyExponents[currency], deadline: (await fixture.now()) + 600n };
      await fixture.send(fixture.connect('TallyToken', relayer), 'registerTokenClass', [message, signTypedDataWith(org.attestor.privateKey, chain.typedData('TokenClassRegistration', message))]);
      return tokenIdOf(orgIdOf(org.code), symbol);
    },
    issue: async (org, tokenId, to, amount) => {
      const message = { operationId: fixture.nextOperationId(org.code), tokenId, to, amount, deadline: (await fixture.now()) + 600n };
      await fixture.send(fixture.connect('TallyToken', relayer), 'issue', [message, signTypedDataWith(org.attestor.privateKey, chain.typedData('Issuance', message))]);
    },
    close: async () => {
      await chain.close();
      await anvil.stop();
    },
  };
  return fixture;
}
