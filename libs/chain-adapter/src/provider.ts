import { JsonRpcProvider, Network } from 'ethers';

/**
 * A JSON-RPC provider without ethers' 250 ms call cache (stale nonces on anvil) and without the
 * 10 ms request batching delay; the network is fixed after the first lookup.
 */
export async function connectProvider(rpcUrl: string): Promise<JsonRpcProvider> {
  const probe = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
  const chainId = BigInt(await probe.send('eth_chainId', []));
  probe.destroy();
  return new JsonRpcProvider(rpcUrl, Network.from(chainId), {
    staticNetwork: true,
    cacheTimeout: -1,
    batchMaxCount: 1,
    polling: false,
  });
}

/** Polls for a receipt every few ms, up to `timeoutMs` (ethers' wait can fall back to 4 s polling). */
export async function waitForReceipt(
  provider: JsonRpcProvider,
  txHash: string,
  timeoutMs: number,
): Promise<import('ethers').TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 5;
  while (Date.now() < deadline) {
    const receipt = await provider.getTransactionReceipt(txHash);
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 200);
  }
  throw new Error(`no receipt for ${txHash} within ${timeoutMs} ms`);
}
