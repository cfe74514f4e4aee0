// Consortium administration: the operator admits and suspends organisations with its own key;
// relayers are registered with the organisation's admin signature (the operator only pays gas).
// These are rare, sequential calls, sent directly rather than through the outbox; each is
// idempotent against the chain's state, so a retry after a crash just completes it.
import { NonceManager, Wallet, type Contract } from 'ethers';
import type { ChainClient } from './chain-client.js';
import { decodeChainError } from './chain-errors.js';
import type { TypedData } from './eip712.js';
import { orgIdOf } from './ids.js';
import { waitForReceipt } from './provider.js';

const RECEIPT_TIMEOUT_MS = 30_000;
const ZERO_BYTES32 = '0x' + '00'.repeat(32);
const SIGNATURE_VALIDITY_SECONDS = 600n;

export class ConsortiumChainError extends Error {
  constructor(
    readonly code: string,
    readonly details: Record<string, string>,
  ) {
    super(`the consortium refused: ${code}`);
  }
}

export class ConsortiumOperator {
  private readonly signer: NonceManager;
  private readonly consortium: Contract;

  constructor(
    private readonly chain: ChainClient,
    operatorPrivateKey: string,
  ) {
    this.signer = new NonceManager(new Wallet(operatorPrivateKey, chain.provider));
    this.consortium = chain.contract('Consortium').connect(this.signer) as Contract;
  }

  /** Admits the organisation unless it already is (with the same keys). */
  async admit(orgCode: string, admin: string, attestor: string): Promise<void> {
    const current = await this.chain.organisation(orgCode);
    if (current.status !== 'NONE') {
      if (current.admin === admin && current.attestor === attestor) return;
      throw new ConsortiumChainError('ORGANISATION_EXISTS', { orgId: orgCode });
    }
    await this.send('admitOrganisation', [orgIdOf(orgCode), admin, attestor]);
  }

  async suspend(orgCode: string): Promise<void> {
    if ((await this.chain.organisation(orgCode)).status === 'SUSPENDED') return;
    await this.send('suspendOrganisation', [orgIdOf(orgCode)]);
  }

  async reinstate(orgCode: string): Promise<void> {
    if ((await this.chain.organisation(orgCode)).status === 'ACTIVE') return;
    await this.send('reinstateOrganisation', [orgIdOf(orgCode)]);
  }

  /**
   * Registers a relayer for the organisation, signed by its admin key, unless it is registered
   * already (a relayer belongs to one organisation: a deployment hosting several organisations
   * registers its relayers under the first one it admits).
   */
  async addRelayer(orgCode: string, relayer: string, signAsAdmin: (typedData: TypedData) => string): Promise<void> {
    const orgId = orgIdOf(orgCode);
    const current: string = await this.chain.contract('Consortium').getFunction('relayerOrganisation')(relayer);
    if (current !== ZERO_BYTES32) return;
    const organisation = await this.chain.organisation(orgCode);
    const deadline = (await this.chain.latestTimestamp()) + SIGNATURE_VALIDITY_SECONDS;
    const typedData = this.chain.typedData('AddRelayer', { orgId, relayer, nonce: organisation.nonce, deadline });
    await this.send('addRelayer', [orgId, relayer, deadline, signAsAdmin(typedData)]);
  }

  private async send(method: string, args: unknown[], attempt = 1): Promise<void> {
    let hash: string;
    try {
      const transaction = await this.consortium.getFunction(method).send(...args);
      hash = transaction.hash;
    } catch (error) {
      this.signer.reset();
      const data = (error as { data?: string }).data;
      if (data) {
        const decoded = decodeChainError(data);
        throw new ConsortiumChainError(decoded.code, decoded.args);
      }
      // Another process used the operator key meanwhile: the nonce was re-read, try once more.
      if ((error as { code?: string }).code === 'NONCE_EXPIRED' && attempt < 2) return this.send(method, args, attempt + 1);
      throw error;
    }
    const receipt = await waitForReceipt(this.chain.provider, hash, RECEIPT_TIMEOUT_MS);
    if (receipt.status !== 1) throw new Error(`${method} transaction ${hash} reverted`);
  }
}
