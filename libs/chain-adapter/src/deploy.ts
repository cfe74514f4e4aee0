// Deploys the contracts in their fixed order against any EVM JSON-RPC endpoint and returns the
// manifest. Used by `npm run deploy`, `npm start` and the tests.
import { Contract, ContractFactory, NonceManager, Wallet, hexlify, toUtf8Bytes } from 'ethers';
import { currencyExponents } from '#common';
import { artifacts, type ContractName } from './contracts.js';
import type { DeploymentManifest } from './manifest.js';
import { connectProvider, waitForReceipt } from './provider.js';

export interface DeployOptions {
  rpcUrl: string;
  deployerPrivateKey: string;
  /** The consortium operator (defaults to the deployer). */
  operator?: string;
}

export async function deployContracts(options: DeployOptions): Promise<DeploymentManifest> {
  const provider = await connectProvider(options.rpcUrl);
  try {
    const deployer = new NonceManager(new Wallet(options.deployerPrivateKey, provider));
    const operator = options.operator ?? (await deployer.getAddress());
    const network = await provider.getNetwork();
    const deploymentBlock = await provider.getBlockNumber();
    const contracts = {} as DeploymentManifest['contracts'];

    const deploy = async (name: ContractName, args: unknown[]): Promise<string> => {
      const artifact = artifacts[name];
      const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, deployer);
      const contract = await factory.deploy(...args);
      const receipt = await waitForReceipt(provider, contract.deploymentTransaction()!.hash, 60_000);
      if (receipt.status !== 1) throw new Error(`deployment of ${name} failed`);
      const address = await contract.getAddress();
      contracts[name] = { address, artifactHash: artifact.artifactHash };
      return address;
    };

    const grant = async (name: ContractName, address: string, role: string, account: string): Promise<void> => {
      const contract = new Contract(address, artifacts[name].abi as never, deployer);
      const roleId: string = await contract.getFunction(role)();
      const tx = await contract.getFunction('grantRole').send(roleId, account);
      const receipt = await waitForReceipt(provider, tx.hash, 60_000);
      if (receipt.status !== 1) throw new Error(`granting ${role} of ${name} failed`);
    };

    const consortium = await deploy('Consortium', [operator]);
    const registry = await deploy('AccountRegistry', [consortium]);
    // The deployer administers the ledger's and the token's roles; the payment and settlement
    // contracts get theirs here.
    const admin = await deployer.getAddress();
    const ledger = await deploy('CreditLedger', [consortium, registry, admin]);
    const currencies = Object.entries(currencyExponents);
    const token = await deploy('TallyToken', [
      consortium,
      registry,
      admin,
      currencies.map(([code]) => hexlify(toUtf8Bytes(code))),
      currencies.map(([, exponent]) => exponent),
    ]);
    const payments = await deploy('Payments', [consortium, registry, ledger, token]);
    await grant('CreditLedger', ledger, 'PAYMENTS_ROLE', payments);
    await grant('TallyToken', token, 'PAYMENTS_ROLE', payments);
    const settlements = await deploy('Settlements', [consortium, ledger, token]);
    await grant('CreditLedger', ledger, 'SETTLEMENTS_ROLE', settlements);
    await grant('TallyToken', token, 'SETTLEMENTS_ROLE', settlements);

    return {
      chainId: network.chainId.toString(),
      deploymentBlock: deploymentBlock.toString(),
      deployedAt: new Date().toISOString(),
      operator,
      contracts,
    };
  } finally {
    provider.destroy();
  }
}
