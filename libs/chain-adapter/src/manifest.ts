// The deployment manifest: where the contracts are, from which block to project, and which build
// they came from (so a local chain running an older build is detected).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { artifacts, contractNames, type ContractName } from './contracts.js';

export interface DeploymentManifest {
  chainId: string;
  deploymentBlock: string;
  deployedAt: string;
  operator: string;
  contracts: Record<ContractName, { address: string; artifactHash: string }>;
}

export function readManifest(path: string): DeploymentManifest | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as DeploymentManifest;
}

export function writeManifest(path: string, manifest: DeploymentManifest): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Contracts whose deployed build differs from the current one. */
export function staleContracts(manifest: DeploymentManifest): ContractName[] {
  return contractNames.filter((name) => manifest.contracts[name]?.artifactHash !== artifacts[name].artifactHash);
}

export function defaultManifestPath(chainId: bigint | string): string {
  return `deployments/${chainId.toString()}.json`;
}
