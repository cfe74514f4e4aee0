// Consortium and AccountRegistry against a real anvil: every refusal is a custom error with the
// values that prove it, in a single call and inside a batch (OperationRejected, rest of the batch kept).
import { Contract, NonceManager, Wallet, type JsonRpcProvider, type TransactionReceipt } from 'ethers';
import {
  ChainClient,
  accountKindCodes,
  decodeChainError,
  deployContracts,
  interfaceOf,
  operationIdOf,
  orgIdOf,
  registerAccountOperation,
  changeAccountStatusOperation,
  renewQualificationOperation,
  signTypedDataWith,
  statusActionCodes,
  waitForReceipt,
  writeManifest,
  type RegistrationMessage,
} from '#chain-adapter';
import { devPrivateKey, startTestAnvil } from '../../../test/support/anvil.js';
import type { AnvilNode } from '#chain-adapter';


let anvil: AnvilNode;
let chain: ChainClient;
let provider: JsonRpcProvider;
let operator: NonceManager;
let relayer: NonceManager;
let registry: Contract;
let consortium: Contract;
const admin = new Wallet(devPrivateKey(3));
const attestor = new Wallet(devPrivateKey(4));
const otherAttestor = new Wallet(devPrivateKey(5));
const ORG = 'acme-pay';
let keySeq = 0;

async function send(contract: Contract, method: string, args: unknown[]): Promise<TransactionReceipt> {
  const tx = await contract.getFunction(method).send(...args);
  return waitForReceipt(provider, tx.hash, 10_000);
}

async function expectRevert(promise: Promise<unknown>, errorName: string): Promise<Record<string, string>> {
  try {
    await promise;
  } catch (error) {
    const decoded = decodeChainError((error as { data?: string }).data);
    expect(decoded.errorName).toBe(errorName);
    return decoded.args;
  }
  throw new Error(`expected a revert with ${errorName}`);
}

async function now(): Promise<bigint> {
  return chain.latestTimestamp();
}

async function registration(overrides: Partial<RegistrationMessage> = {}, accountKey = Wallet.createRandom()) {
  const message: RegistrationMessage = {
    operationId: operationIdOf(ORG, `key-${keySeq++}`),
    account: accountKey.address,
    orgId: orgIdOf(ORG),
    kind: accountKindCodes.ENTERPRISE,
    certificateHash: '0x' + '11'.repeat(32),
    qualificationExpiresAt: (await now()) + 3600n,
    deadline: (await now()) + 600n,
    ...overrides,
  };
  const attestorSignature = signTypedDataWith(attestor.privateKey, chain.typedData('QualificationReview', { ...message }));
  const accountSignature = signTypedDataWith(
    accountKey.privateKey,
    chain.typedData('AccountKeyProof', { operationId: message.operationId, account: message.account, orgId: message.orgId }),
  );
  return { message, attestorSignature, accountSignature, accountKey };
}

beforeAll(async () => {
  anvil = await startTestAnvil();
  const manifest = await deployContracts({ rpcUrl: anvil.rpcUrl, deployerPrivateKey: devPrivateKey(0) });
  const manifestPath = `/tmp/tally-contracts-${process.pid}.json`;
  writeManifest(manifestPath, manifest);
  chain = await ChainClient.connect(anvil.rpcUrl, manifestPath);
  provider = chain.provider;
  operator = new NonceManager(new Wallet(devPrivateKey(0), provider));
  relayer = new NonceManager(new Wallet(devPrivateKey(1), provider));
  consortium = chain.contract('Consortium').connect(operator) as Contract;
  registry = chain.contract('AccountRegistry').connect(relayer) as Contract;
  await send(consortium, 'admitOrganisation', [orgIdOf(ORG), admin.address, attestor.address]);
  const org = await chain.organisation(ORG);
  const deadline = (await now()) + 600n;
  const signature = signTypedDataWith(
    admin.privateKey,
    chain.typedData('AddRelayer', { orgId: orgIdOf(ORG), relayer: await relayer.getAddress(), nonce: org.nonce, deadline }),
  );
  await send(consortium, 'addRelayer', [orgIdOf(ORG), await relayer.getAddress(), deadline, signature]);
});

afterAll(async () => {
  await chain?.close();
  await anvil?.stop();
});

describe('Consortium', () => {
  it('admits organisations only by the operator', async () => {
    const stranger = chain.contract('Consortium').connect(relayer) as Contract;
    await expectRevert(
      stranger.getFunction('admitOrganisation').staticCall(orgIdOf('other-org'), admin.address, attestor.address),
      'AccessControlUnauthorizedAccount',
    );
    await expectRevert(
      consortium.getFunction('admitOrganisation').staticCall(orgIdOf(ORG), admin.address, attestor.address),
      'OrganisationExists',
    );
  });

  it('rotates keys only with the current admin signature, never by the operator alone', async () => {
    const org = await chain.organisation(ORG);
    const deadline = (await now()) + 600n;
    const message = { orgId: orgIdOf(ORG), newAdmin: admin.address, newAttestor: attestor.address, nonce: org.nonce, deadline };
    const operatorSignature = signTypedDataWith(devPrivateKey(0), chain.typedData('RotateKeys', message));
    const args = await expectRevert(
      consortium.getFunction('rotateKeys').staticCall(orgIdOf(ORG), admin.address, attestor.address, deadline, operatorSignature),
      'InvalidSignature',
    );
    expect(args.expectedSigner).toBe(admin.address);
    const adminSignature = signTypedDataWith(admin.privateKey, chain.typedData('RotateKeys', message));
    await send(consortium, 'rotateKeys', [orgIdOf(ORG), admin.address, attestor.address, deadline, adminSignature]);
    expect((await chain.organisation(ORG)).nonce).toBe(org.nonce + 1n);
    // the same signature cannot be replayed: the nonce moved on
    await expectRevert(
      consortium.getFunction('rotateKeys').staticCall(orgIdOf(ORG), admin.address, attestor.address, deadline, adminSignature),
      'InvalidSignature',
    );
  });

  it('accepts only registered relayers as submitters', async () => {
    const { message, attestorSignature, accountSignature } = await registration();
    const stranger = chain.contract('AccountRegistry').connect(new Wallet(devPrivateKey(6), provider)) as Contract;
    await expectRevert(stranger.getFunction('register').staticCall(message, attestorSignature, accountSignature), 'NotRelayer');
    expect(await chain.isRelayer(await relayer.getAddress())).toBe(true);
  });
});

describe('AccountRegistry', () => {
  it('registers an account with the attestor review and the account key proof', async () => {
    const { message, attestorSignature, accountSignature } = await registration();
    const receipt = await send(registry, 'register', [message, attestorSignature, accountSignature]);
    const event = interfaceOf('AccountRegistry').parseLog(receipt.logs[0])!;
    expect(event.name).toBe('AccountRegistered');
    expect(event.args.operationId).toBe(message.operationId);
    const account = await chain.accountOf(message.account);
    expect(account).toMatchObject({ status: 'ACTIVE', kind: 'ENTERPRISE', orgId: orgIdOf(ORG) });
    expect(await chain.operationRecorded('AccountRegistry', message.operationId)).toBe(true);
    await expectRevert(
      registry.getFunction('register').staticCall(message, attestorSignature, accountSignature),
      'AccountAlreadyRegistered',
    );
  });

  it('refuses a forged attestation, a missing key proof, an expired attestation and a past expiry', async () => {
    const forged = await registration();
    const forgedSignature = signTypedDataWith(otherAttestor.privateKey, chain.typedData('QualificationReview', { ...forged.message }));
    const args = await expectRevert(
      registry.getFunction('register').staticCall(forged.message, forgedSignature, forged.accountSignature),
      'InvalidSignature',
    );
    expect(args).toEqual({ expectedSigner: attestor.address, recoveredSigner: otherAttestor.address });

    const noProof = await registration();
    await expectRevert(
      registry.getFunction('register').staticCall(noProof.message, noProof.attestorSignature, noProof.attestorSignature),
      'InvalidSignature',
    );

    const expired = await registration({ deadline: (await now()) - 1n });
    await expectRevert(
      registry.getFunction('register').staticCall(expired.message, expired.attestorSignature, expired.accountSignature),
      'DeadlinePassed',
    );

    const lapsed = await registration({ qualificationExpiresAt: (await now()) - 10n });
    await expectRevert(
      registry.getFunction('register').staticCall(lapsed.message, lapsed.attestorSignature, lapsed.accountSignature),
      'QualificationExpiryNotInFuture',
    );
  });

  it('runs a batch item by item: a refused item is reported and the rest are recorded', async () => {
    const good = await registration();
    const bad = await registration();
    const badSignature = signTypedDataWith(otherAttestor.privateKey, chain.typedData('QualificationReview', { ...bad.message }));
    const calls = [
      registerAccountOperation(good.message, good.attestorSignature, good.accountSignature).calldata,
      registerAccountOperation(bad.message, badSignature, bad.accountSignature).calldata,
    ];
    const receipt = await send(registry, 'batch', [calls]);
    const events = receipt.logs.map((log) => interfaceOf('AccountRegistry').parseLog(log)!);
    expect(events.map((event) => event.name)).toEqual(['AccountRegistered', 'OperationRejected']);
    expect(events[1].args.operationId).toBe(bad.message.operationId);
    expect(decodeChainError(events[1].args.errorData).code).toBe('BAD_SIGNATURE');
    expect((await chain.accountOf(good.message.account)).status).toBe('ACTIVE');
    expect((await chain.accountOf(bad.message.account)).status).toBe('NONE');
  });

  it('blocks the account once its qualification lapses, until the attestor renews it', async () => {
    const { message, attestorSignature, accountSignature } = await registration({ qualificationExpiresAt: (await now()) + 100n });
    await send(registry, 'register', [message, attestorSignature, accountSignature]);
    await registry.getFunction('requireUsable').staticCall(message.account);

    await provider.send('evm_increaseTime', [200]);
    await provider.send('evm_mine', []);
    const args = await expectRevert(registry.getFunction('requireUsable').staticCall(message.account), 'QualificationLapsed');
    expect(args.account).toBe(message.account);
    expect(await registry.getFunction('isUsable').staticCall(message.account)).toBe(false);

    const renewal = {
      operationId: operationIdOf(ORG, `renew-${keySeq++}`),
      account: message.account,
      certificateHash: '0x' + '22'.repeat(32),
      qualificationExpiresAt: (await now()) + 3600n,
      deadline: (await now()) + 600n,
    };
    const renewalSignature = signTypedDataWith(attestor.privateKey, chain.typedData('QualificationRenewal', renewal));
    await send(registry, 'batch', [[renewQualificationOperation(renewal, renewalSignature).calldata]]);
    await registry.getFunction('requireUsable').staticCall(message.account);
    expect((await chain.accountOf(message.account)).certificateHash).toBe(renewal.certificateHash);
  });

  it('freezes, unfreezes and closes with the attestor signature and refuses wrong transitions', async () => {
    const { message, attestorSignature, accountSignature } = await registration();
    await send(registry, 'register', [message, attestorSignature, accountSignature]);
    const change = async (action: keyof typeof statusActionCodes, signer = attestor) => {
      const body = {
        operationId: operationIdOf(ORG, `status-${keySeq++}`),
        account: message.account,
        action: statusActionCodes[action],
        deadline: (await now()) + 600n,
      };
      const signature = signTypedDataWith(signer.privateKey, chain.typedData('AccountStatusChange', body));
      return { body, signature, operation: changeAccountStatusOperation(body, signature) };
    };
    const unfreezeActive = await change('UNFREEZE');
    await expectRevert(registry.getFunction('changeStatus').staticCall(unfreezeActive.body, unfreezeActive.signature), 'InvalidStatusTransition');
    const forged = await change('FREEZE', otherAttestor);
    await expectRevert(registry.getFunction('changeStatus').staticCall(forged.body, forged.signature), 'InvalidSignature');

    const freeze = await change('FREEZE');
    await send(registry, 'changeStatus', [freeze.body, freeze.signature]);
    expect((await chain.accountOf(message.account)).status).toBe('FROZEN');
    await expectRevert(registry.getFunction('requireUsable').staticCall(message.account), 'AccountNotActive');
    // the same operation id cannot be recorded twice
    await expectRevert(registry.getFunction('changeStatus').staticCall(freeze.body, freeze.signature), 'InvalidStatusTransition');

    const unfreeze = await change('UNFREEZE');
    await send(registry, 'changeStatus', [unfreeze.body, unfreeze.signature]);
    const close = await change('CLOSE');
    await send(registry, 'changeStatus', [close.body, close.signature]);
    expect((await chain.accountOf(message.account)).status).toBe('CLOSED');
    const reopen = await change('UNFREEZE');
    await expectRevert(registry.getFunction('changeStatus').staticCall(reopen.body, reopen.signature), 'InvalidStatusTransition');
  });

  it('refuses to record one operation id twice', async () => {
    const first = await registration();
    await send(registry, 'register', [first.message, first.attestorSignature, first.accountSignature]);
    const second = await registration({ operationId: first.message.operationId });
    await expectRevert(
      registry.getFunction('register').staticCall(second.message, second.attestorSignature, second.accountSignature),
      'DuplicateOperation',
    );
  });
});
