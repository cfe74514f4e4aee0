// Admission of organisations by the operator: keys generated and sealed here, the organisation
// admitted on chain with the operator key, this deployment's relayers registered with the new
// admin key. Each step checks the chain first, so a retry after a crash completes the admission.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChainClient, ConsortiumChainError, ConsortiumOperator, Projector, addressOfPrivateKey } from '#chain-adapter';
import { DEFAULT_PAGE_SIZE, TALLY_CONFIG, TallyError, decodeCursor, pageOf, requestHashOf, type ErrorCode, type Page, type TallyConfig } from '#common';
import { KeyCustodyService } from '../custody/key-custody.service.js';
import type { CreateOrganisationDto, ListOrganisationsQuery, OrganisationDto } from './dto/organisation.dto.js';
import { Organisation, OrganisationRecord } from './organisation.entity.js';

const VIEW_WAIT_POLL_MS = 50;

@Injectable()
export class OrganisationService {
  private readonly logger = new Logger('OrganisationService');
  private readonly operator: ConsortiumOperator;

  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly custody: KeyCustodyService,
    private readonly projector: Projector,
    @Inject(TALLY_CONFIG) private readonly config: TallyConfig,
  ) {
    this.operator = new ConsortiumOperator(chain, config.chain.operatorPrivateKey!);
  }

  /** Admits an organisation; `idempotencyKey` makes a retry return the same organisation. */
  async admit(request: CreateOrganisationDto): Promise<{ organisation: OrganisationDto; created: boolean } | { pending: true; id: string }> {
    const requestHash = requestHashOf(request);
    let record = await this.dataSource.manager.findOneBy(OrganisationRecord, { code: request.code });
    let created = false;
    if (record && record.requestHash !== requestHash) {
      throw new TallyError('ORGANISATION_EXISTS', { id: request.code });
    }
    if (!record) {
      const admin = this.custody.generate();
      const attestor = this.custody.generate();
      const inserted = await this.dataSource
        .createQueryBuilder()
        .insert()
        .into(OrganisationRecord)
        .values({
          code: request.code,
          name: request.name,
          adminAddress: admin.address,
          sealedAdminKey: admin.sealedKey,
          attestorAddress: attestor.address,
          sealedAttestorKey: attestor.sealedKey,
          requestHash,
        })
        .orIgnore()
        .returning(['code'])
        .execute();
      created = (inserted.raw as unknown[]).length > 0;
      record = await this.dataSource.manager.findOneByOrFail(OrganisationRecord, { code: request.code });
      if (record.requestHash !== requestHash) throw new TallyError('ORGANISATION_EXISTS', { id: request.code });
    }

    try {
      // One admission at a time (across instances): a relayer joins the first organisation that
      // registers it, and two admissions racing for it would refuse one of them.
      await this.dataSource.transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['tally-organisation-admission']);
        await this.operator.admit(record!.code, record!.adminAddress, record!.attestorAddress);
        const relayers = new Set([addressOfPrivateKey(this.config.chain.relayerPrivateKey), ...this.config.chain.deploymentRelayers]);
        for (const relayer of relayers) {
          await this.operator.addRelayer(record!.code, relayer, (typedData) =>
            this.custody.signWith(record!.sealedAdminKey, record!.adminAddress, typedData),
          );
        }
      });
    } catch (error) {
      if (error instanceof ConsortiumChainError) throw new TallyError(error.code as ErrorCode, error.details);
      throw error;
    }
    this.logger.log({ orgId: record.code }, 'organisation admitted on chain');

    this.projector.poke();
    const view = await this.waitForView(record.code);
    if (!view) return { pending: true, id: record.code };
    return { organisation: this.toDto(view, record), created };
  }

  async get(code: string): Promise<OrganisationDto> {
    const [view, record] = await Promise.all([
      this.dataSource.manager.findOneBy(Organisation, { code }),
      this.dataSource.manager.findOneBy(OrganisationRecord, { code }),
    ]);
    if (!view) throw new TallyError('ORGANISATION_NOT_FOUND', { id: code });
    return this.toDto(view, record);
  }

  async list(query: ListOrganisationsQuery): Promise<Page<OrganisationDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(query.cursor, 1);
    const builder = this.dataSource.manager
      .createQueryBuilder(Organisation, 'organisation')
      .leftJoinAndMapOne('organisation.record', OrganisationRecord, 'record', 'record.code = organisation.code')
      .orderBy('organisation.code', 'ASC')
      .take(limit + 1);
    if (query.status) builder.andWhere('organisation.status = :status', { status: query.status });
    if (after) builder.andWhere('organisation.code > :after', { after: after[0] });
    const rows = (await builder.getMany()) as Array<Organisation & { record?: OrganisationRecord }>;
    return pageOf(rows, limit, (row) => this.toDto(row, row.record ?? null), (row) => [row.code]);
  }

  private async waitForView(code: string): Promise<Organisation | null> {
    const deadline = Date.now() + this.config.requestTimeoutMs;
    for (;;) {
      const view = await this.dataSource.manager.findOneBy(Organisation, { code });
      if (view || Date.now() >= deadline) return view;
      await new Promise((resolve) => setTimeout(resolve, VIEW_WAIT_POLL_MS));
    }
  }

  private toDto(view: Organisation, record: OrganisationRecord | null): OrganisationDto {
    return {
      id: view.code,
      name: record?.name ?? view.code,
      status: view.status,
      adminAddress: view.adminAddress,
      attestorAddress: view.attestorAddress,
      admittedAt: view.admittedAt.toISOString(),
      chain: { chainId: view.chainId, blockNumber: view.blockNumber, txHash: view.txHash, logIndex: view.logIndex },
    };
  }
}
