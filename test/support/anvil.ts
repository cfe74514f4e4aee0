// A private anvil per test file: automine, port 0, raised gas limit (DESIGN.md, Chain modes).
import { startAnvil, type AnvilNode } from '#chain-adapter';

export { devPrivateKey } from '#chain-adapter';

export async function startTestAnvil(extraArgs: string[] = []): Promise<AnvilNode> {
  // anvil writes a few lines per request; drain them so its pipe never fills.
  return startAnvil({ port: 0, args: ['--gas-limit', '1000000000', ...extraArgs], onOutput: () => undefined });
}
