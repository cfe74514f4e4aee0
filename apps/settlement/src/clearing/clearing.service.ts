// Clearing between organisations: when tokens issued by organisation X settle a bill of a merchant
// of organisation Y, X owes Y. Positions are netted per organisation pair and currency for a
// period; a report's Merkle root (of its settlements) is anchored on chain so that any organisation
// can verify its own figures with the proof it is given.
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ChainClient,
  WritePath,
  anchorClearingRootOperation,
  bytes3ToCurrencyCode,
  clearingTreeOf,
  currencyCodeToBytes3,
  operationIdOf,
  orgCodeOf,
  orgIdOf,
  proofsOf,
  signTypedDataWith,
  signingDeadline,
  writeResultOf,
  type ClearingEntry,
} from '#chain-adapter';
import { OPERATOR_ORG_CODE, TALLY_CONFIG, TallyError, requestHashOf, type Principal, type TallyConfig, type WriteResult } from '#common';
import { ClearingReport } from '../settlements/settlement.entity.js';
import type { ClearingEntryDto, ClearingPositionDto, ClearingPositionsDto, ClearingReportDto } from './clearing.dto.js';

/** The most settlements one clearing period covers. */
export const MAX_CLEARING_ENTRIES = 10_000;

@Injectable()
export class ClearingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly writes: WritePath,
    @Inject(TALLY_CONFIG) private readonly config: TallyConfig,
  ) {}

  async positions(principal: Principal, from: Date, to: Date, currency?: string): Promise<ClearingPositionsDto> {
    const entries = await this.entries(from, to);
    return this.present(principal, entries, from, to, currency);
  }

  async anchor(idempotencyKey: string, from: Date, to: Date): Promise<WriteResult<ClearingReportDto>> {
    if (from.getTime() < 0 || to.getTime() >= 2 ** 40 * 1000) throw new TallyError('VALIDATION_FAILED', { fields: { from: ['the period must lie between 1970 and 2^40 seconds'] } });
    const entries = await this.entries(from, to);
    const tree = clearingTreeOf(entries);
    if (!tree) throw new TallyError('VALIDATION_FAILED', { fields: { from: ['no settlement between organisations was confirmed in the period: nothing to anchor'] } });
    const operationId = operationIdOf(OPERATOR_ORG_CODE, idempotencyKey);
    const outcome = await this.writes.run({
      operationId,
      orgId: OPERATOR_ORG_CODE,
      requestHash: requestHashOf({ operation: 'clearing.anchor', from: from.toISOString(), to: to.toISOString() }),
      prepare: async () => {
        const message = {
          operationId,
          root: tree.root,
          periodStart: BigInt(Math.floor(from.getTime() / 1000)),
          periodEnd: BigInt(Math.floor(to.getTime() / 1000)),
          settlementCount: entries.length,
          deadline: await signingDeadline(this.chain, undefined),
        };
        const signature = signTypedDataWith(this.config.chain.operatorPrivateKey!, this.chain.typedData('ClearingAnchor', message));
        return { operation: anchorClearingRootOperation(message, signature), resourceId: operationId };
      },
    });
    return writeResultOf(outcome, (id) => this.report({ kind: 'operator' }, id), this.chain.chainId);
  }

  async report(principal: Principal, id: string): Promise<ClearingReportDto> {
    const report = /^0x[0-9a-fA-F]{64}$/.test(id) ? await this.dataSource.manager.findOneBy(ClearingReport, { id: id.toLowerCase() }) : null;
    if (!report) throw new TallyError('NOT_FOUND', { id });
    const from = new Date(Number(report.periodStart) * 1000);
    const to = new Date(Number(report.periodEnd) * 1000);
    const entries = await this.entries(from, to);
    const presented = this.present(principal, entries, from, to);
    return {
      ...presented,
      id: report.id,
      root: report.root,
      settlementCount: report.settlementCount,
      matchesChain: presented.root === report.root && entries.length === report.settlementCount,
      chain: proofsOf(report).chain,
    };
  }

  /** Confirmed TOKEN settlements of the period whose token issuer is not the merchant's organisation. */
  private async entries(from: Date, to: Date): Promise<ClearingEntry[]> {
    if (!(from < to)) throw new TallyError('VALIDATION_FAILED', { fields: { to: ['must be after from'] } });
    const rows = (await this.dataSource.query(
      `SELECT s.id, c.issuer_org_code, s.merchant_org_code, s.currency, s.total::text AS total
         FROM settlements s JOIN token_classes c ON c.id = s.token_class_id
        WHERE s.status = 'CONFIRMED' AND s.method = 'TOKEN' AND c.issuer_org_code <> s.merchant_org_code
          AND s.decided_at >= $1 AND s.decided_at < $2
        ORDER BY s.id LIMIT $3`,
      [from, to, MAX_CLEARING_ENTRIES + 1],
    )) as Array<{ id: string; issuer_org_code: string; merchant_org_code: string; currency: string; total: string }>;
    if (rows.length > MAX_CLEARING_ENTRIES) throw new TallyError('VALIDATION_FAILED', { fields: { to: [`more than ${MAX_CLEARING_ENTRIES} settlements in the period; choose a shorter one`] } });
    return rows.map((row) => ({
      settlementId: row.id,
      debtorOrgId: orgIdOf(row.issuer_org_code),
      creditorOrgId: orgIdOf(row.merchant_org_code),
      currency: currencyCodeToBytes3(row.currency),
      amount: BigInt(row.total),
    }));
  }

  private present(principal: Principal, entries: ClearingEntry[], from: Date, to: Date, currency?: string): ClearingPositionsDto {
    const tree = clearingTreeOf(entries);
    const proofs = new Map<string, { proof: string[]; leaf: string }>();
    if (tree) {
      for (const [index, value] of tree.entries()) proofs.set(value[0], { proof: tree.getProof(index), leaf: tree.leafHash(value) });
    }
    const visible = entries.filter((entry) => {
      if (currency && bytes3ToCurrencyCode(entry.currency) !== currency) return false;
      if (principal.kind === 'operator') return true;
      return orgCodeOf(entry.debtorOrgId) === principal.orgId || orgCodeOf(entry.creditorOrgId) === principal.orgId;
    });
    const nets = new Map<string, { a: string; b: string; currency: string; net: bigint; count: number }>();
    for (const entry of visible) {
      const debtor = orgCodeOf(entry.debtorOrgId);
      const creditor = orgCodeOf(entry.creditorOrgId);
      const [a, b] = debtor < creditor ? [debtor, creditor] : [creditor, debtor];
      const code = bytes3ToCurrencyCode(entry.currency);
      const key = `${a}|${b}|${code}`;
      const position = nets.get(key) ?? { a, b, currency: code, net: 0n, count: 0 };
      // net > 0: a owes b.
      position.net += debtor === a ? entry.amount : -entry.amount;
      position.count += 1;
      nets.set(key, position);
    }
    const positions: ClearingPositionDto[] = [...nets.values()]
      .filter((position) => position.net !== 0n)
      .map((position) => ({
        debtorOrgId: position.net > 0n ? position.a : position.b,
        creditorOrgId: position.net > 0n ? position.b : position.a,
        currency: position.currency,
        amount: (position.net > 0n ? position.net : -position.net).toString(),
        settlementCount: position.count,
      }));
    const presented: ClearingEntryDto[] = visible.map((entry) => ({
      settlementId: entry.settlementId,
      debtorOrgId: orgCodeOf(entry.debtorOrgId),
      creditorOrgId: orgCodeOf(entry.creditorOrgId),
      currency: bytes3ToCurrencyCode(entry.currency),
      amount: entry.amount.toString(),
      ...proofs.get(entry.settlementId),
    }));
    return { from: from.toISOString(), to: to.toISOString(), positions, entries: presented, root: tree?.root ?? null };
  }
}
