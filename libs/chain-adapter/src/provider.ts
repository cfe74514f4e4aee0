import { FetchRequest, JsonRpcProvider, Network } from 'ethers';

/** How long one JSON-RPC call may take before it fails (ethers' own default is five minutes). */
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;

/**
 * A JSON-RPC provider without ethers' 250 ms call cache (stale nonces on anvil), without the
 * 10 ms request batching delay, and with a bounded wait per call (a stalled node makes calls fail,
 * not hang); the network is fixed after the first lookup.
 */
export async function connectProvider(rpcUrl: string, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<JsonRpcProvider> {
  const request = () => {
    const fetchRequest = new FetchRequest(rpcUrl);
    fetchRequest.timeout = timeoutMs;
    return fetchRequest;
  };
  const probe = new JsonRpcProvider(request(), undefined, { staticNetwork: true, cacheTimeout: -1, batchMaxCount: 1 });
  const chainId = BigInt(await probe.send('eth_chainId', []));
  probe.destroy();
  return new JsonRpcProvider(request(), Network.from(chainId), {
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
