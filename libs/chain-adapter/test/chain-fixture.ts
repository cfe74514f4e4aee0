// A private anvil with the contracts deployed, and builders that act directly on the contracts:
// organisations with their keys and a relayer, accounts registered with their attestor's review.
import { Contract, NonceManager, Wallet, type JsonRpcProvider, type TransactionReceipt } from 'ethers';
import {
  ChainClient,
  accountKindCodes,
  decodeChainError,
  deployContracts,
  operationIdOf,
  orgIdOf,
  signTypedDataWith,
  waitForReceipt,
  writeManifest,
  type AnvilNode,
  type ContractName,
} from '#chain-adapter';
import { devPrivateKey, startTestAnvil } from '../../../test/support/anvil.js';

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
  now(): Promise<bigint>;
  /** Moves chain time forward and mines a block. */
  advance(seconds: number): Promise<void>;
  nextOperationId(orgCode: string): string;
  anOrganisation(code: string): Promise<{ code: string; admin: Wallet; attestor: Wallet }>;
  anAccount(org: { code: string; attestor: Wallet }, kind: 'ENTERPRISE' | 'MERCHANT', qualificationSeconds?: bigint): Promise<Wallet>;
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
    close: async () => {
      await chain.close();
      await anvil.stop();
    },
  };
  return fixture;
}
