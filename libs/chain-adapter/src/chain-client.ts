// Read access to the chain and the deployment: provider, chain id, contract addresses, typed data
// for this deployment, chain time, and the views the services need (accounts, organisations).
import { Contract, type JsonRpcProvider } from 'ethers';
import { artifacts, type ContractName } from './contracts.js';
import { buildTypedData, verifyingContractOf, type PrimaryType, type TypedData } from './eip712.js';
import { orgIdOf } from './ids.js';
import { defaultManifestPath, readManifest, staleContracts, type DeploymentManifest } from './manifest.js';
import { connectProvider } from './provider.js';

export const accountKinds = ['NONE', 'ENTERPRISE', 'MERCHANT'] as const;
export const accountStatuses = ['NONE', 'ACTIVE', 'FROZEN', 'CLOSED'] as const;
export const organisationStatuses = ['NONE', 'ACTIVE', 'SUSPENDED'] as const;

export interface ChainAccount {
  orgId: string;
  kind: (typeof accountKinds)[number];
  status: (typeof accountStatuses)[number];
  qualificationExpiresAt: bigint;
  certificateHash: string;
}

export interface ChainOrganisation {
  admin: string;
  attestor: string;
  status: (typeof organisationStatuses)[number];
  nonce: bigint;
}

export class ChainClient {
  private readonly contracts = new Map<ContractName, Contract>();

  private constructor(
    readonly provider: JsonRpcProvider,
    readonly chainId: bigint,
    readonly manifest: DeploymentManifest,
  ) {}

  static async connect(rpcUrl: string, manifestPath?: string, rpcTimeoutMs?: number): Promise<ChainClient> {
    const provider = await connectProvider(rpcUrl, rpcTimeoutMs);
    const chainId = provider._network.chainId;
    const path = manifestPath ?? defaultManifestPath(chainId);
    const manifest = readManifest(path);
    if (!manifest) {
      provider.destroy();
      throw new Error(`no deployment manifest at ${path}: deploy the contracts first (npm run deploy)`);
    }
    if (manifest.chainId !== chainId.toString()) {
      provider.destroy();
      throw new Error(`the manifest at ${path} is for chain ${manifest.chainId}, but ${rpcUrl} is chain ${chainId}`);
    }
    const stale = staleContracts(manifest);
    if (stale.length > 0) {
      provider.destroy();
      throw new Error(`the contracts ${stale.join(', ')} at ${path} are from another build: redeploy them`);
    }
    return new ChainClient(provider, chainId, manifest);
  }

  address(name: ContractName): string {
    return this.manifest.contracts[name].address;
  }

  get deploymentBlock(): bigint {
    return BigInt(this.manifest.deploymentBlock);
  }

  contract(name: ContractName): Contract {
    let found = this.contracts.get(name);
    if (!found) {
      found = new Contract(this.address(name), artifacts[name].abi as never, this.provider);
      this.contracts.set(name, found);
    }
    return found;
  }

  typedData(primaryType: PrimaryType, message: Record<string, string | number | bigint | boolean>): TypedData {
    return buildTypedData(primaryType, this.chainId, this.address(verifyingContractOf[primaryType]), message);
  }

  /** The read of the latest block's timestamp under way, which concurrent callers share. */
  private latestTimestampRead: Promise<bigint> | undefined;

  /**
   * Chain time: the latest block's timestamp, in seconds. Callers that ask while a read is under way
   * get its answer: each custodial payment asks (its signature's default deadline), and 500 requests
   * at once each opening a connection to the node overflowed anvil's listen queue (a backlog of 128),
   * each dropped connection waiting a second for its retry.
   */
  latestTimestamp(): Promise<bigint> {
    this.latestTimestampRead ??= (async () => {
      try {
        const block = await this.provider.getBlock('latest');
        if (!block) throw new Error('the chain returned no latest block');
        return BigInt(block.timestamp);
      } finally {
        this.latestTimestampRead = undefined;
      }
    })();
    return this.latestTimestampRead;
  }

  async blockNumber(): Promise<bigint> {
    return BigInt(await this.provider.getBlockNumber());
  }

  async accountOf(address: string): Promise<ChainAccount> {
    const record = await this.contract('AccountRegistry').getFunction('accountOf')(address);
    return {
      orgId: record.orgId,
      kind: accountKinds[Number(record.kind)],
      status: accountStatuses[Number(record.status)],
      qualificationExpiresAt: record.qualificationExpiresAt,
      certificateHash: record.certificateHash,
    };
  }

  async organisation(orgCode: string): Promise<ChainOrganisation> {
    const record = await this.contract('Consortium').getFunction('organisation')(orgIdOf(orgCode));
    return {
      admin: record.admin,
      attestor: record.attestor,
      status: organisationStatuses[Number(record.status)],
      nonce: record.nonce,
    };
  }

  async isRelayer(address: string): Promise<boolean> {
    return this.contract('Consortium').getFunction('isRelayer')(address);
  }

  async operationRecorded(contract: ContractName, operationId: string): Promise<boolean> {
    return this.contract(contract).getFunction('operationRecorded')(operationId);
  }

  async close(): Promise<void> {
    this.provider.destroy();
  }
}
