// S3 credit accounts: the enterprise's organisation opens one by setting its ceiling (its attestor
// signs), changes the ceiling, and freezes, unfreezes or closes it with the enterprise's or the
// attestor's signature. The chain decides; the answer comes from the view once it has recorded.
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AccountDirectory,
  ChainClient,
  PartySigner,
  WritePath,
  chainOrderPage,
  changeCreditAccountOperation,
  creditAccountActionCodes,
  creditAccountIdOf,
  currencyCodeToBytes3,
  inChainOrder,
  normaliseAddress,
  operationIdOf,
  partyCodes,
  proofsOf,
  setCeilingOperation,
  signingDeadline,
  writeResultOf,
  type CreditAccountAction,
} from '#chain-adapter';
import { DEFAULT_PAGE_SIZE, TallyError, organisationOf, requestHashOf, type Page, type Principal, type WriteResult } from '#common';
import type { CreditAccountChangeDto, CreditAccountDto, ListCreditAccountsQuery } from './dto/credit-account.dto.js';
import { CreditAccount } from './credit-account.entity.js';

@Injectable()
export class CreditAccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly directory: AccountDirectory,
    private readonly signer: PartySigner,
  ) {}

  /** Opens the credit account (or changes its ceiling): POST /v1/credit-accounts. */
  async open(principal: Principal, idempotencyKey: string, enterpriseAddress: string, currency: string, ceiling: string): Promise<WriteResult<CreditAccountDto>> {
    const orgId = organisationOf(principal);
    const enterprise = await this.directory.require(enterpriseAddress, 'ENTERPRISE', 'enterprise');
    this.directory.requireOwnedBy(enterprise, orgId);
    return this.writeCeiling(orgId, idempotencyKey, enterprise.address, currency, ceiling);
  }

  /** POST /v1/credit-accounts/{id}/ceiling. */
  async setCeiling(principal: Principal, id: string, idempotencyKey: string, ceiling: string): Promise<WriteResult<CreditAccountDto>> {
    const account = await this.owned(principal, id);
    return this.writeCeiling(account.orgCode, idempotencyKey, account.enterprise, account.currency, ceiling);
  }

  async change(principal: Principal, id: string, action: CreditAccountAction, idempotencyKey: string, request: CreditAccountChangeDto): Promise<WriteResult<CreditAccountDto>> {
    const account = await this.owned(principal, id);
    const orgId = account.orgCode;
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: `credit-account.${action}`, id: account.id, ...request }),
      prepare: async () => {
        const message = {
          operationId,
          creditAccountId: account.id,
          action: creditAccountActionCodes[action],
          actor: partyCodes[request.actor],
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const typedData = this.chain.typedData('CreditAccountChange', message);
        const signature = await this.signer.sign(
          request.actor === 'ENTERPRISE' ? { kind: 'ACCOUNT', orgId, address: account.enterprise } : { kind: 'ATTESTOR', orgId },
          typedData,
          request.signature,
        );
        return { operation: changeCreditAccountOperation(message, signature), resourceId: account.id };
      },
    });
    return writeResultOf(outcome, (resourceId) => this.get(resourceId), this.chain.chainId);
  }

  async get(id: string, principal?: Principal): Promise<CreditAccountDto> {
    const account = await this.find(id);
    if (principal?.kind === 'organisation' && principal.orgId !== account.orgCode) throw new TallyError('FORBIDDEN', { id });
    return this.toDto(account);
  }

  async list(principal: Principal, query: ListCreditAccountsQuery): Promise<Page<CreditAccountDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = inChainOrder(this.dataSource.manager.createQueryBuilder(CreditAccount, 'account'), 'account', limit, query.cursor);
    if (principal.kind === 'organisation') builder.andWhere('account.org_code = :orgCode', { orgCode: principal.orgId });
    if (query.enterprise) builder.andWhere('account.enterprise = :enterprise', { enterprise: normaliseAddress(query.enterprise) });
    if (query.currency) builder.andWhere('account.currency = :currency', { currency: query.currency });
    if (query.status) builder.andWhere('account.status = :status', { status: query.status });
    return chainOrderPage(await builder.getMany(), limit, (row) => this.toDto(row));
  }

  private async writeCeiling(orgId: string, idempotencyKey: string, enterprise: string, currency: string, ceiling: string): Promise<WriteResult<CreditAccountDto>> {
    const operationId = operationIdOf(orgId, idempotencyKey);
    const id = creditAccountIdOf(enterprise, currency);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'credit-account.set-ceiling', id, ceiling }),
      prepare: async () => {
        const message = {
          operationId,
          enterprise,
          currency: currencyCodeToBytes3(currency),
          ceiling: BigInt(ceiling),
          deadline: await signingDeadline(this.chain, undefined),
        };
        const signature = await this.signer.sign({ kind: 'ATTESTOR', orgId }, this.chain.typedData('CreditCeiling', message), undefined);
        return { operation: setCeilingOperation(message, signature), resourceId: id };
      },
    });
    return writeResultOf(outcome, (resourceId) => this.get(resourceId), this.chain.chainId);
  }

  private async find(id: string): Promise<CreditAccount> {
    const account = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(CreditAccount, { id: id.toLowerCase() }) : null;
    if (!account) throw new TallyError('CREDIT_ACCOUNT_NOT_FOUND', { id });
    return account;
  }

  /** The credit account, if the caller is the enterprise's organisation. */
  private async owned(principal: Principal, id: string): Promise<CreditAccount> {
    const orgId = organisationOf(principal);
    const account = await this.find(id);
    if (account.orgCode !== orgId) throw new TallyError('FORBIDDEN', { id, reason: "another organisation's credit account" });
    return account;
  }

  private toDto(row: CreditAccount): CreditAccountDto {
    return {
      id: row.id,
      enterprise: row.enterprise,
      orgId: row.orgCode,
      currency: row.currency,
      ceiling: row.ceiling.toString(),
      used: row.used.toString(),
      available: (row.ceiling - row.used).toString(),
      status: row.status,
      frozenBy: row.frozenBy,
      openedAt: row.openedAt.toISOString(),
      ...proofsOf(row),
    };
  }
}
