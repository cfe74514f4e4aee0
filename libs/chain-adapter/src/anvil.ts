// Runs a local anvil node from the npm package @foundry-rs/anvil (its native binary comes in the
// platform package, so no download and no install script is needed). Used by `npm start`, the
// benchmark and the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HDNodeWallet, Mnemonic } from 'ethers';

const require = createRequire(import.meta.url);

/** anvil's default development mnemonic: its first accounts are funded on every fresh chain. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

export function devPrivateKey(index: number): string {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`).privateKey;
}

const architectures: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** The command that runs anvil: the platform binary when present, else the package's Node wrapper. */
export function anvilCommand(): { command: string; prefixArgs: string[] } {
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${architectures[process.arch] ?? process.arch}`;
  try {
    const binary = join(dirname(require.resolve(`${platformPackage}/package.json`)), 'bin', 'anvil');
    if (existsSync(binary)) return { command: binary, prefixArgs: [] };
  } catch {
    // fall back to the wrapper below
  }
  return { command: process.execPath, prefixArgs: [join(dirname(require.resolve('@foundry-rs/anvil/package.json')), 'bin.mjs')] };
}

export interface AnvilNode {
  rpcUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  args?: string[];
  /** Where anvil's output goes; by default it is only kept to report a failed start. */
  onOutput?: (text: string) => void;
  startTimeoutMs?: number;
}

export async function startAnvil(options: AnvilOptions): Promise<AnvilNode> {
  const { command, prefixArgs } = anvilCommand();
  const child = spawn(
    command,
    [...prefixArgs, '--host', options.host ?? '127.0.0.1', '--port', String(options.port), ...(options.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const rpcUrl = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`anvil did not start: ${output}`));
    }, options.startTimeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      options.onOutput?.(text);
      if (output.length < 20_000) output += text;
      const match = /Listening on ([\d.]+):(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[2]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with ${code}: ${output}`));
    });
  });
  return {
    rpcUrl,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
