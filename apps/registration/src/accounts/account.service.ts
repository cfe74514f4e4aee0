// S1: accounts registered on the strength of their organisation's qualification review. The
// attestor's signature and the account key's proof go to the chain through the outbox; the answer
// comes from the view once the chain has recorded it (or the chain's refusal, or 202 when slow).
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  ChainClient,
  WritePath,
  accountKindCodes,
  changeAccountStatusOperation,
  documentHashOf,
  normaliseAddress,
  operationIdOf,
  operationStatusOf,
  orgIdOf,
  registerAccountOperation,
  renewQualificationOperation,
  statusActionCodes,
  type StatusAction,
  type TypedData,
  type PreparedWrite,
  type WriteOutcome,
  type WriteRequest,
} from '#chain-adapter';
import {
  DEFAULT_PAGE_SIZE,
  TallyError,
  decodeCursor,
  pageOf,
  requestHashOf,
  type AccountView,
  type WriteResult,
  type Page,
  type Principal,
} from '#common';
import { KeyCustodyService } from '../custody/key-custody.service.js';
import { Account, AccountRecord, QualificationRecord } from './account.entity.js';
import type { AccountDto, CreateAccountDto, ListAccountsQuery, QualificationDto } from './dto/account.dto.js';

/** How long a signature made by this service stays valid on chain (chain time). */
const SIGNATURE_VALIDITY_SECONDS = 600n;


@Injectable()
export class AccountService {
  private readonly logger = new Logger('AccountService');

  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly custody: KeyCustodyService,
    private readonly writes: WritePath,
  ) {}

  /** The AccountKeyProof a self-custody account signs before POST /v1/accounts with the same key. */
  keyProof(orgCode: string, idempotencyKey: string, address: string): { operationId: string; typedData: TypedData } {
    const operationId = operationIdOf(orgCode, idempotencyKey);
    const account = normaliseAddress(address)!;
    return { operationId, typedData: this.chain.typedData('AccountKeyProof', { operationId, account, orgId: orgIdOf(orgCode) }) };
  }

  async register(orgCode: string, idempotencyKey: string, request: CreateAccountDto): Promise<WriteResult<AccountDto>> {
    const operationId = operationIdOf(orgCode, idempotencyKey);
    const requestHash = requestHashOf(request);
    if (request.custody === 'CUSTODIAL' && (request.address !== undefined || request.proofSignature !== undefined)) {
      throw new TallyError('VALIDATION_FAILED', { fields: { address: ['only for SELF_CUSTODY accounts'] } });
    }
    if (request.custody === 'SELF_CUSTODY' && request.exportPrivateKey) {
      throw new TallyError('VALIDATION_FAILED', { fields: { exportPrivateKey: ['only for CUSTODIAL accounts'] } });
    }

    const outcome = await this.execute({
      operationId,
      orgId: orgCode,
      requestHash,
      prepare: () => this.prepareRegistration(orgCode, operationId, request),
    });
    if (outcome.status === 'PENDING') return { status: 'PENDING', body: operationStatusOf(outcome.entry) };
    const body = await this.get(outcome.entry.resourceId);
    if (request.exportPrivateKey) {
      const privateKey = await this.exportOnce(outcome.entry.resourceId);
      if (privateKey) body.privateKey = privateKey;
    }
    return { status: 'RECORDED', body };
  }

  /** Builds the registration write: pre-checks, keys, signatures, records. */
  private async prepareRegistration(orgCode: string, operationId: string, request: CreateAccountDto): Promise<PreparedWrite> {
    const now = await this.chain.latestTimestamp();
    const qualificationExpiresAt = this.chainSeconds(request.qualification.expiresAt);
    if (qualificationExpiresAt <= now) {
      throw new TallyError('QUALIFICATION_EXPIRY_INVALID', { expiresAt: request.qualification.expiresAt, chainTime: new Date(Number(now) * 1000).toISOString() });
    }
    await this.assertExternalRefFree(this.dataSource.manager, orgCode, request.externalRef);

    let address: string;
    let sealedKey: string | null = null;
    let proofSignature: string;
    const orgId = orgIdOf(orgCode);
    if (request.custody === 'SELF_CUSTODY') {
      address = normaliseAddress(request.address!)!;
      if (await this.dataSource.manager.existsBy(Account, { address })) throw new TallyError('ACCOUNT_ALREADY_REGISTERED', { address });
      proofSignature = request.proofSignature!;
    } else {
      const generated = this.custody.generate();
      address = generated.address;
      sealedKey = generated.sealedKey;
      proofSignature = this.custody.signWith(sealedKey, address, this.chain.typedData('AccountKeyProof', { operationId, account: address, orgId }));
    }
    const message = {
      operationId,
      account: address,
      orgId,
      kind: accountKindCodes[request.kind],
      certificateHash: documentHashOf(request.qualification),
      qualificationExpiresAt,
      deadline: now + SIGNATURE_VALIDITY_SECONDS,
    };
    const attestorSignature = await this.custody.signAsAttestor(orgCode, this.chain.typedData('QualificationReview', message));
    return {
      operation: registerAccountOperation(message, attestorSignature, proofSignature),
      resourceId: address,
      saveRecords: async (manager) => {
        await this.assertExternalRefFree(manager, orgCode, request.externalRef, true);
        await manager.insert(AccountRecord, {
          address,
          orgCode,
          externalRef: request.externalRef,
          custody: request.custody,
          qualification: { ...request.qualification },
          sealedKey,
          keyExportedAt: null,
          operationId,
        });
      },
    };
  }

  async renewQualification(principal: Principal, address: string, idempotencyKey: string, qualification: QualificationDto): Promise<WriteResult<AccountDto>> {
    const account = await this.ownedAccount(principal, address);
    const operationId = operationIdOf(account.orgCode, idempotencyKey);
    const requestHash = requestHashOf({ renew: account.address, qualification });
    const outcome = await this.execute({
      operationId,
      orgId: account.orgCode,
      requestHash,
      prepare: async () => {
        const now = await this.chain.latestTimestamp();
        const qualificationExpiresAt = this.chainSeconds(qualification.expiresAt);
        if (qualificationExpiresAt <= now) throw new TallyError('QUALIFICATION_EXPIRY_INVALID', { expiresAt: qualification.expiresAt });
        const message = {
          operationId,
          account: account.address,
          certificateHash: documentHashOf(qualification),
          qualificationExpiresAt,
          deadline: now + SIGNATURE_VALIDITY_SECONDS,
        };
        const signature = await this.custody.signAsAttestor(account.orgCode, this.chain.typedData('QualificationRenewal', message));
        return {
          operation: renewQualificationOperation(message, signature),
          resourceId: account.address,
          saveRecords: async (manager: EntityManager) => {
            await manager.insert(QualificationRecord, { operationId, address: account.address, qualification: { ...qualification } });
          },
        };
      },
    });
    if (outcome.status === 'PENDING') return { status: 'PENDING', body: operationStatusOf(outcome.entry) };
    return { status: 'RECORDED', body: await this.get(account.address) };
  }

  async changeStatus(principal: Principal, address: string, action: StatusAction, idempotencyKey: string, reason?: string): Promise<WriteResult<AccountDto>> {
    const account = await this.ownedAccount(principal, address);
    const operationId = operationIdOf(account.orgCode, idempotencyKey);
    const requestHash = requestHashOf({ action, address: account.address, reason });
    const outcome = await this.execute({
      operationId,
      orgId: account.orgCode,
      requestHash,
      prepare: async () => {
        const now = await this.chain.latestTimestamp();
        const message = { operationId, account: account.address, action: statusActionCodes[action], deadline: now + SIGNATURE_VALIDITY_SECONDS };
        const signature = await this.custody.signAsAttestor(account.orgCode, this.chain.typedData('AccountStatusChange', message));
        this.logger.log({ address: account.address, action, reason, operationId }, 'account status change requested');
        return { operation: changeAccountStatusOperation(message, signature), resourceId: account.address };
      },
    });
    if (outcome.status === 'PENDING') return { status: 'PENDING', body: operationStatusOf(outcome.entry) };
    return { status: 'RECORDED', body: await this.get(account.address) };
  }

  async get(address: string, principal?: Principal): Promise<AccountDto> {
    const normalised = normaliseAddress(address);
    const view = normalised ? await this.dataSource.manager.findOneBy(Account, { address: normalised }) : null;
    if (!view) throw new TallyError('ACCOUNT_NOT_FOUND', { address });
    if (principal?.kind === 'organisation' && principal.orgId !== view.orgCode) throw new TallyError('FORBIDDEN', { address });
    const record = await this.dataSource.manager.findOneBy(AccountRecord, { address: view.address });
    return this.toDto(view, record, await this.chain.latestTimestamp());
  }

  async list(principal: Principal, query: ListAccountsQuery): Promise<Page<AccountDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor, 2);
    const orgCode = principal.kind === 'organisation' ? principal.orgId : query.orgId;
    if (principal.kind === 'organisation' && query.orgId && query.orgId !== principal.orgId) throw new TallyError('FORBIDDEN', { orgId: query.orgId });
    const builder = this.dataSource.manager
      .createQueryBuilder(Account, 'account')
      .leftJoinAndMapOne('account.record', AccountRecord, 'record', 'record.address = account.address')
      .orderBy('account.block_number', 'ASC')
      .addOrderBy('account.log_index', 'ASC')
      .take(limit + 1);
    if (orgCode) builder.andWhere('account.org_code = :orgCode', { orgCode });
    if (query.kind) builder.andWhere('account.kind = :kind', { kind: query.kind });
    if (query.status) builder.andWhere('account.status = :status', { status: query.status });
    if (query.externalRef) builder.andWhere('record.external_ref = :externalRef', { externalRef: query.externalRef });
    if (after) builder.andWhere('(account.block_number, account.log_index) > (:block, :log)', { block: after[0], log: after[1] });
    const [rows, now] = await Promise.all([builder.getMany(), this.chain.latestTimestamp()]);
    return pageOf(
      rows as Array<Account & { record?: AccountRecord }>,
      limit,
      (row) => this.toDto(row, row.record ?? null, now),
      (row) => [row.blockNumber, row.logIndex],
    );
  }

  /** The account view other services see (NATS account.get). */
  async view(address: string): Promise<AccountView | null> {
    const normalised = normaliseAddress(address);
    if (!normalised) return null;
    const view = await this.dataSource.manager.findOneBy(Account, { address: normalised });
    if (!view) return null;
    const record = await this.dataSource.manager.findOneBy(AccountRecord, { address: normalised });
    const dto = this.toDto(view, record, await this.chain.latestTimestamp());
    return {
      address: dto.address,
      orgId: dto.orgId,
      kind: view.kind,
      status: view.status,
      custody: (record?.custody as AccountView['custody']) ?? null,
      qualification: dto.qualification,
      registeredAt: dto.registeredAt,
      chain: dto.chain,
    };
  }

  private execute(request: WriteRequest): Promise<WriteOutcome> {
    return this.writes.run(request);
  }

  private async ownedAccount(principal: Principal, address: string): Promise<Account> {
    const normalised = normaliseAddress(address);
    const account = normalised ? await this.dataSource.manager.findOneBy(Account, { address: normalised }) : null;
    if (!account) throw new TallyError('ACCOUNT_NOT_FOUND', { address });
    if (principal.kind !== 'organisation' || principal.orgId !== account.orgCode) throw new TallyError('FORBIDDEN', { address });
    return account;
  }

  private async assertExternalRefFree(manager: EntityManager, orgCode: string, externalRef: string, lock = false): Promise<void> {
    if (lock) await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`external-ref:${orgCode}:${externalRef}`]);
    const [taken] = (await manager.query(
      `SELECT r.address FROM account_records r JOIN outbox o ON o.operation_id = r.operation_id
        WHERE r.org_code = $1 AND r.external_ref = $2 AND o.status <> 'REJECTED' LIMIT 1`,
      [orgCode, externalRef],
    )) as Array<{ address: string }>;
    if (taken) throw new TallyError('EXTERNAL_REF_TAKEN', { externalRef, address: taken.address });
  }

  private async exportOnce(address: string): Promise<string | undefined> {
    const [rows] = (await this.dataSource.query(
      `UPDATE account_records SET key_exported_at = now()
        WHERE address = $1 AND custody = 'CUSTODIAL' AND key_exported_at IS NULL RETURNING sealed_key`,
      [address],
    )) as [Array<{ sealed_key: string }>, number];
    const row = rows[0];
    return row ? this.custody.exportPrivateKey(row.sealed_key, address) : undefined;
  }

  private chainSeconds(iso: string): bigint {
    return BigInt(Math.floor(Date.parse(iso) / 1000));
  }

  private toDto(view: Account, record: AccountRecord | null, now: bigint): AccountDto {
    return {
      address: view.address,
      orgId: view.orgCode,
      kind: view.kind,
      status: view.status,
      externalRef: record?.externalRef ?? null,
      custody: record?.custody ?? null,
      qualification: {
        certificateHash: view.certificateHash,
        expiresAt: new Date(Number(view.qualificationExpiresAt) * 1000).toISOString(),
        lapsed: view.qualificationExpiresAt <= now,
      },
      registeredAt: view.registeredAt.toISOString(),
      chain: { chainId: view.chainId, blockNumber: view.blockNumber, txHash: view.txHash, logIndex: view.logIndex },
      lastChange: { chainId: view.chainId, blockNumber: view.updatedBlockNumber, txHash: view.updatedTxHash, logIndex: view.updatedLogIndex },
    };
  }
}
