// S2 token classes: an organisation registers its classes (its attestor signs; decimals are the
// currency's exponent), and a merchant declares which classes it accepts (the merchant signs).
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AccountDirectory,
  ChainClient,
  PartySigner,
  WritePath,
  chainOrderPage,
  currencyCodeToBytes3,
  inChainOrder,
  operationIdOf,
  orgIdOf,
  proofsOf,
  registerTokenClassOperation,
  setAcceptanceOperation,
  signingDeadline,
  symbolToBytes32,
  tokenIdOf,
  writeResultOf,
} from '#chain-adapter';
import {
  DEFAULT_PAGE_SIZE,
  TallyError,
  currencyExponents,
  organisationOf,
  requestHashOf,
  type Page,
  type Principal,
  type WriteResult,
} from '#common';
import type { CreateTokenClassDto, ListTokenClassesQuery, TokenAcceptanceDto, TokenAcceptanceViewDto, TokenClassDto } from './dto/token-class.dto.js';
import { TokenAcceptance, TokenClass, TokenClassRecord } from './token-class.entity.js';

@Injectable()
export class TokenClassService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    private readonly directory: AccountDirectory,
    private readonly signer: PartySigner,
  ) {}

  async register(principal: Principal, idempotencyKey: string, request: CreateTokenClassDto): Promise<WriteResult<TokenClassDto>> {
    const orgId = organisationOf(principal);
    const decimals = currencyExponents[request.currency];
    if (decimals === undefined) throw new TallyError('CURRENCY_NOT_SUPPORTED', { currency: request.currency });
    const operationId = operationIdOf(orgId, idempotencyKey);
    const id = tokenIdOf(orgIdOf(orgId), request.symbol).toString();
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'token-class.register', ...request }),
      prepare: async () => {
        const message = {
          operationId,
          orgId: orgIdOf(orgId),
          symbol: symbolToBytes32(request.symbol),
          currency: currencyCodeToBytes3(request.currency),
          decimals,
          deadline: await signingDeadline(this.chain, undefined),
        };
        const signature = await this.signer.sign({ kind: 'ATTESTOR', orgId }, this.chain.typedData('TokenClassRegistration', message), undefined);
        return {
          operation: registerTokenClassOperation(message, signature),
          resourceId: id,
          saveRecords: async (manager) => {
            await manager.createQueryBuilder().insert().into(TokenClassRecord).values({ id, name: request.name }).orIgnore().execute();
          },
        };
      },
    });
    return writeResultOf(outcome, (resourceId) => this.get(resourceId), this.chain.chainId);
  }

  async setAcceptance(principal: Principal, tokenClassId: string, idempotencyKey: string, request: TokenAcceptanceDto): Promise<WriteResult<TokenAcceptanceViewDto>> {
    const orgId = organisationOf(principal);
    const tokenClass = await this.find(tokenClassId);
    const merchant = await this.directory.require(request.merchant, 'MERCHANT', 'merchant');
    this.directory.requireOwnedBy(merchant, orgId);
    const operationId = operationIdOf(orgId, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId,
      requestHash: requestHashOf({ operation: 'token-class.set-acceptance', tokenClassId: tokenClass.id, ...request }),
      prepare: async () => {
        const message = {
          operationId,
          merchant: merchant.address,
          tokenId: BigInt(tokenClass.id),
          accepted: request.accepted,
          deadline: await signingDeadline(this.chain, request.deadline),
        };
        const signature = await this.signer.sign(
          { kind: 'ACCOUNT', orgId, address: merchant.address },
          this.chain.typedData('TokenAcceptance', message),
          request.signature,
        );
        return { operation: setAcceptanceOperation(message, signature), resourceId: `${merchant.address}:${tokenClass.id}` };
      },
    });
    return writeResultOf(
      outcome,
      async (resourceId) => {
        const [address, id] = resourceId.split(':');
        const row = await this.dataSource.manager.findOneByOrFail(TokenAcceptance, { merchant: address, tokenClassId: id });
        return { merchant: row.merchant, tokenClassId: row.tokenClassId, accepted: row.accepted, chain: proofsOf(row).lastChange };
      },
      this.chain.chainId,
    );
  }

  async get(id: string): Promise<TokenClassDto> {
    const tokenClass = await this.find(id);
    const record = await this.dataSource.manager.findOneBy(TokenClassRecord, { id: tokenClass.id });
    return this.toDto(tokenClass, record);
  }

  /** Every organisation sees every class: any class pays anywhere (one token standard). */
  async list(query: ListTokenClassesQuery): Promise<Page<TokenClassDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const builder = inChainOrder(
      this.dataSource.manager.createQueryBuilder(TokenClass, 'class').leftJoinAndMapOne('class.record', TokenClassRecord, 'record', 'record.id = class.id'),
      'class',
      limit,
      query.cursor,
    );
    if (query.currency) builder.andWhere('class.currency = :currency', { currency: query.currency });
    if (query.issuerOrgId) builder.andWhere('class.issuer_org_code = :issuer', { issuer: query.issuerOrgId });
    const rows = (await builder.getMany()) as Array<TokenClass & { record?: TokenClassRecord }>;
    return chainOrderPage(rows, limit, (row) => this.toDto(row, row.record ?? null));
  }

  async find(id: string): Promise<TokenClass> {
    const tokenClass = /^[1-9][0-9]{0,77}$/.test(id) ? await this.dataSource.manager.findOneBy(TokenClass, { id }) : null;
    if (!tokenClass) throw new TallyError('TOKEN_CLASS_NOT_FOUND', { tokenClassId: id });
    return tokenClass;
  }

  private toDto(row: TokenClass, record: TokenClassRecord | null): TokenClassDto {
    return {
      id: row.id,
      issuerOrgId: row.issuerOrgCode,
      symbol: row.symbol,
      name: record?.name ?? null,
      currency: row.currency,
      decimals: row.decimals,
      registeredAt: row.registeredAt.toISOString(),
      chain: proofsOf(row).chain,
    };
  }
}
