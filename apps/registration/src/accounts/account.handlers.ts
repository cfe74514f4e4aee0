// NATS request-reply for the other services: an account's view, and EIP-712 signatures with the
// keys this deployment holds for the calling organisation.
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { readAtCursor } from '#chain-adapter';
import {
  MAX_RECONCILIATION_ROWS,
  TallyError,
  type ReconciliationSnapshot,
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
    private readonly dataSource: DataSource,
  ) {}

  @MessagePattern(requestSubjects.registration.accountGet)
  async get(@Payload() request: AccountGetRequest): Promise<AccountGetReply> {
    if (typeof request?.address !== 'string') throw new TallyError('VALIDATION_FAILED', { address: 'required' });
    return this.accounts.view(request.address);
  }

  /** The accounts view at the block it reflects, for reconciliation. */
  @MessagePattern(requestSubjects.reconciliation('registration'))
  async snapshot(): Promise<ReconciliationSnapshot> {
    const { block, value } = await readAtCursor(this.dataSource, 'registration', (manager) =>
      manager.query(`SELECT address, status FROM accounts ORDER BY address LIMIT $1`, [MAX_RECONCILIATION_ROWS + 1]) as Promise<Array<{ address: string; status: string }>>,
    );
    return { service: 'registration', projectedBlock: block.toString(), truncated: value.length > MAX_RECONCILIATION_ROWS, accounts: value.slice(0, MAX_RECONCILIATION_ROWS) };
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
