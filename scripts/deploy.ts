// `npm run deploy`: deploys the contracts to any EVM JSON-RPC endpoint and writes the deployment
// manifest, unless the manifest there already names contracts of this build that exist on chain.
//   CHAIN_RPC_URL        (default http://127.0.0.1:8545)
//   DEPLOYER_PRIVATE_KEY (required) pays for the deployment
//   OPERATOR_ADDRESS     (default: the deployer) the consortium operator
//   DEPLOYMENT_MANIFEST  (default deployments/<chainId>.json)
import { z } from 'zod';
import { connectProvider, defaultManifestPath, deployContracts, readManifest, staleContracts, writeManifest } from '#chain-adapter';

const env = z
  .object({
    CHAIN_RPC_URL: z.url().default('http://127.0.0.1:8545'),
    DEPLOYER_PRIVATE_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 0x-prefixed 32-byte hex private key'),
    OPERATOR_ADDRESS: z.string().regex(/^0x[0-9a-fA-F]{40}$/).optional(),
    DEPLOYMENT_MANIFEST: z.string().optional(),
  })
  .safeParse(process.env);
if (!env.success) {
  for (const issue of env.error.issues) console.error(`deploy: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(78);
}
const { CHAIN_RPC_URL, DEPLOYER_PRIVATE_KEY, OPERATOR_ADDRESS, DEPLOYMENT_MANIFEST } = env.data;

const provider = await connectProvider(CHAIN_RPC_URL);
const chainId = provider._network.chainId;
const path = DEPLOYMENT_MANIFEST ?? defaultManifestPath(chainId);
const existing = readManifest(path);
if (existing && existing.chainId === chainId.toString() && staleContracts(existing).length === 0) {
  const codes = await Promise.all(Object.values(existing.contracts).map((contract) => provider.getCode(contract.address)));
  if (codes.every((code) => code !== '0x')) {
    console.log(`deploy: the contracts at ${path} are this build and exist on chain ${chainId}; nothing to do`);
    provider.destroy();
    process.exit(0);
  }
}
provider.destroy();
const manifest = await deployContracts({ rpcUrl: CHAIN_RPC_URL, deployerPrivateKey: DEPLOYER_PRIVATE_KEY, operator: OPERATOR_ADDRESS });
writeManifest(path, manifest);
for (const [name, contract] of Object.entries(manifest.contracts)) console.log(`deploy: ${name} at ${contract.address}`);
console.log(`deploy: manifest written to ${path} (chain ${manifest.chainId}, deployment block ${manifest.deploymentBlock})`);
