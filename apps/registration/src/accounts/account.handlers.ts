// NATS request-reply for the other services: an account's view, and EIP-712 signatures with the
// keys this deployment holds for the calling organisation.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  TallyError,
  requestSubjects,
  type AccountGetReply,
  type AccountGetRequest,
  type SignatureCreateReply,
  type SignatureCreateRequest,
} from '#common';
import { KeyCustodyService } from '../custody/key-custody.service.js';
import { AccountService } from './account.service.js';

@Controller()
export class AccountHandlers {
  constructor(
    private readonly accounts: AccountService,
    private readonly custody: KeyCustodyService,
  ) {}

  @MessagePattern(requestSubjects.registration.accountGet)
  async get(@Payload() request: AccountGetRequest): Promise<AccountGetReply> {
    if (typeof request?.address !== 'string') throw new TallyError('VALIDATION_FAILED', { address: 'required' });
    return this.accounts.view(request.address);
  }

  @MessagePattern(requestSubjects.registration.signatureCreate)
  async sign(@Payload() request: SignatureCreateRequest): Promise<SignatureCreateReply> {
    const valid =
      typeof request?.orgId === 'string' &&
      typeof request.primaryType === 'string' &&
      typeof request.message === 'object' &&
      request.message !== null &&
      (request.signer?.kind === 'ATTESTOR' || (request.signer?.kind === 'ACCOUNT' && typeof request.signer.address === 'string'));
    if (!valid) throw new TallyError('VALIDATION_FAILED', { reason: 'orgId, signer, primaryType and message are required' });
    return this.custody.sign(request.orgId, request.signer, request.primaryType, request.message);
  }
}
