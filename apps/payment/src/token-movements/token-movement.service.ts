// Issuances and redemptions (the issuer organisation only) and holders' transfers. Each is signed
// by the parties the token contract asks for and recorded from the chain's events.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AccountDirectory,
  ChainClient,
  PartySigner,
  WritePath,
  issueOperation,
  operationIdOf,
  proofsOf,
  redeemOperation,
  signingDeadline,
  transferOperation,
  writeResultOf,
} from '#chain-adapter';
import { TallyError, organisationOf, requestHashOf, type Principal, type WriteResult } from '#common';
import { TokenClassService } from '../token-classes/token-class.service.js';
import type { CreateIssuanceDto, CreateRedemptionDto, CreateTransferDto, TokenMovementDto } from './dto/token-movement.dto.js';
import { TokenMovement, type TokenMovementKind } from './token-movement.entity.js';

@Injectable()
export class TokenMovementService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly directory: AccountDirectory,
    private readonly signer: PartySigner,
    private readonly tokenClasses: TokenClassService,
  ) {}

  async issue(principal: Principal, idempotencyKey: string, request: CreateIssuanceDto): Promise<WriteResult<TokenMovementDto>> {
    const orgId = organisationOf(principal);
    const tokenClass = await this.issuerClass(orgId, request.tokenClassId);
    const to = await this.directory.find(request.to);
    if (!to) throw new TallyError('ACCOUNT_NOT_FOUND', { to: request.to });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'issuance.create', ...request }),
      prepare: async () => {
        const message = { operationId, tokenId: BigInt(tokenClass.id), to: to.address, amount: BigInt(request.amount), deadline: await signingDeadline(this.chain, undefined) };
        const signature = await this.signer.sign({ kind: 'ATTESTOR', orgId }, this.chain.typedData('Issuance', message), undefined);
        return { operation: issueOperation(message, signature), resourceId: operationId };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id, 'ISSUANCE'), this.chain.chainId);
  }

  async redeem(principal: Principal, idempotencyKey: string, request: CreateRedemptionDto): Promise<WriteResult<TokenMovementDto>> {
    const orgId = organisationOf(principal);
    const tokenClass = await this.issuerClass(orgId, request.tokenClassId);
    const holder = await this.directory.find(request.from);
    if (!holder) throw new TallyError('ACCOUNT_NOT_FOUND', { from: request.from });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'redemption.create', ...request }),
      prepare: async () => {
        const message = {
          operationId,
          tokenId: BigInt(tokenClass.id),
          from: holder.address,
          amount: BigInt(request.amount),
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const typedData = this.chain.typedData('Redemption', message);
        // The holder consents with its own key; this organisation signs for it only when the
        // holder is one of its custodial accounts.
        const holderSignature = await this.signer.sign({ kind: 'ACCOUNT', orgId, address: holder.address }, typedData, request.signature);
        const attestorSignature = await this.signer.sign({ kind: 'ATTESTOR', orgId }, typedData, undefined);
        return { operation: redeemOperation(message, holderSignature, attestorSignature), resourceId: operationId };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id, 'REDEMPTION'), this.chain.chainId);
  }

  async transfer(principal: Principal, idempotencyKey: string, request: CreateTransferDto): Promise<WriteResult<TokenMovementDto>> {
    const orgId = organisationOf(principal);
    const tokenClass = await this.tokenClasses.find(request.tokenClassId);
    const from = await this.directory.find(request.from);
    if (!from) throw new TallyError('ACCOUNT_NOT_FOUND', { from: request.from });
    this.directory.requireOwnedBy(from, orgId);
    const to = await this.directory.find(request.to);
    if (!to) throw new TallyError('ACCOUNT_NOT_FOUND', { to: request.to });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'transfer.create', ...request }),
      prepare: async () => {
        const message = {
          operationId,
          tokenId: BigInt(tokenClass.id),
          from: from.address,
          to: to.address,
          amount: BigInt(request.amount),
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const signature = await this.signer.sign({ kind: 'ACCOUNT', orgId, address: from.address }, this.chain.typedData('TokenTransfer', message), request.signature);
        return { operation: transferOperation(message, signature), resourceId: operationId };
      },
    });
    return writeResultOf(outcome, (id) => this.get(id, 'TRANSFER'), this.chain.chainId);
  }

  /** A movement, to the organisations of its holders and its class's issuer, or the operator. */
  async get(id: string, kind: TokenMovementKind, principal?: Principal): Promise<TokenMovementDto> {
    const row = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(TokenMovement, { id: id.toLowerCase(), kind }) : null;
    if (!row) throw new TallyError('OPERATION_NOT_FOUND', { id, kind });
    if (principal?.kind === 'organisation') {
      const parties = await Promise.all([row.from, row.to].filter((address): address is string => address !== null).map((address) => this.directory.find(address)));
      const issuer = (await this.tokenClasses.find(row.tokenClassId)).issuerOrgCode;
      if (issuer !== principal.orgId && !parties.some((party) => party?.orgCode === principal.orgId)) throw new TallyError('FORBIDDEN', { id });
    }
    return {
      id: row.id,
      kind: row.kind,
      tokenClassId: row.tokenClassId,
      from: row.from,
      to: row.to,
      amount: row.amount.toString(),
      occurredAt: row.occurredAt.toISOString(),
      chain: proofsOf(row).chain,
    };
  }

  private async issuerClass(orgId: string, tokenClassId: string) {
    const tokenClass = await this.tokenClasses.find(tokenClassId);
    if (tokenClass.issuerOrgCode !== orgId) throw new TallyError('FORBIDDEN', { tokenClassId, reason: 'only the issuer organisation issues and redeems its class' });
    return tokenClass;
  }
}
