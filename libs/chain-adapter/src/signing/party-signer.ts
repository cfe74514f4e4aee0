// Gets the signature of the party an operation speaks for. The attestor of an organisation and
// custodial accounts sign through registration (NATS signature.create), which holds their sealed
// keys; a self-custody account signs for itself: without its signature the request is answered
// SIGNATURE_REQUIRED with the typed data to sign, and nothing is recorded.
import { Injectable } from '@nestjs/common';
import type { TypedData } from '../eip712.js';
import {
  NatsRequester,
  TallyError,
  requestSubjects,
  type AccountGetReply,
  type SignatureCreateReply,
  type SignatureCreateRequest,
} from '#common';

export type Signer = { kind: 'ATTESTOR'; orgId: string } | { kind: 'ACCOUNT'; orgId: string; address: string };

@Injectable()
export class PartySigner {
  constructor(private readonly requester: NatsRequester) {}

  /**
   * The signer's signature over `typedData`. A signature the caller supplied is used as it is: the
   * contract, not this service, decides whether it is the right one.
   */
  async sign(signer: Signer, typedData: TypedData, supplied: string | undefined): Promise<string> {
    if (supplied) return supplied;
    if (signer.kind === 'ACCOUNT' && (await this.custodyOf(signer.address)) !== 'CUSTODIAL') {
      throw new TallyError('SIGNATURE_REQUIRED', { signer: signer.address, typedData });
    }
    const request: SignatureCreateRequest = {
      orgId: signer.orgId,
      signer: signer.kind === 'ATTESTOR' ? { kind: 'ATTESTOR' } : { kind: 'ACCOUNT', address: signer.address },
      primaryType: typedData.primaryType,
      message: typedData.message,
    };
    const reply = await this.requester.request<SignatureCreateReply>(requestSubjects.registration.signatureCreate, request);
    return reply.signature;
  }

  /** Who holds an account's key never changes once registered: asked of registration once per account. */
  private readonly custody = new Map<string, string | null>();

  private async custodyOf(address: string): Promise<string | null> {
    const key = address.toLowerCase();
    if (this.custody.has(key)) return this.custody.get(key)!;
    const account = await this.requester.request<AccountGetReply>(requestSubjects.registration.accountGet, { address });
    if (!account) throw new TallyError('ACCOUNT_NOT_FOUND', { address });
    if (this.custody.size >= 100_000) this.custody.clear();
    this.custody.set(key, account.custody);
    return account.custody;
  }
}
