// Reconciliation: every service's views (each asked over NATS, each read at the block it reflects)
// compared with the chain at that same block, and the invariants of DESIGN.md checked on the chain:
//   1. line.used = Σ (amount − refunded) of its UNSETTLED and IN_SETTLEMENT bills
//   2. credit account used = Σ used of its lines, and used ≤ ceiling
//   5. token supply = Σ holders' balances + escrow, and escrow = Σ open TOKEN settlements
// plus each view row equal to the chain's state. Zero drifts on a healthy system.
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ChainClient, accountStatuses, creditAccountStatuses, creditLineStatuses, readAtCursor } from '#chain-adapter';
import { MAX_RECONCILIATION_ROWS, NatsRequester, requestSubjects, type ReconciliationSnapshot } from '#common';

export interface Drift {
  check: string;
  subject: string;
  expected: string;
  actual: string;
  service: string;
  block: string;
}

export interface ReconciliationReport {
  ok: boolean;
  checkedAt: string;
  blocks: Record<string, string>;
  counts: Record<string, number>;
  truncated: boolean;
  drifts: Drift[];
}

const SNAPSHOT_TIMEOUT_MS = 15_000;

@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger('Reconciliation');

  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
    private readonly requester: NatsRequester,
  ) {}

  /** This service's own snapshot: outstanding bills per line and open escrow per class. */
  async snapshot(): Promise<ReconciliationSnapshot> {
    const { block, value } = await readAtCursor(this.dataSource, 'settlement', async (manager) => ({
      outstanding: (await manager.query(
        `SELECT l.id AS "lineId", coalesce(sum(b.amount - b.refunded) FILTER (WHERE b.status IN ('UNSETTLED', 'IN_SETTLEMENT')), 0)::text AS outstanding
           FROM credit_lines l LEFT JOIN bills b ON b.line_id = l.id GROUP BY l.id ORDER BY l.id LIMIT $1`,
        [MAX_RECONCILIATION_ROWS + 1],
      )) as NonNullable<ReconciliationSnapshot['outstandingByLine']>,
      escrow: (await manager.query(
        `SELECT token_class_id AS "tokenClassId", sum(total)::text AS amount FROM settlements
          WHERE method = 'TOKEN' AND status = 'INITIATED' GROUP BY token_class_id ORDER BY token_class_id LIMIT $1`,
        [MAX_RECONCILIATION_ROWS + 1],
      )) as NonNullable<ReconciliationSnapshot['openEscrow']>,
    }));
    return {
      service: 'settlement',
      projectedBlock: block.toString(),
      truncated: value.outstanding.length > MAX_RECONCILIATION_ROWS || value.escrow.length > MAX_RECONCILIATION_ROWS,
      outstandingByLine: value.outstanding.slice(0, MAX_RECONCILIATION_ROWS),
      openEscrow: value.escrow.slice(0, MAX_RECONCILIATION_ROWS),
    };
  }

  async run(): Promise<ReconciliationReport> {
    const [registration, credit, payment, settlement] = await Promise.all([
      this.requester.request<ReconciliationSnapshot>(requestSubjects.reconciliation('registration'), {}, SNAPSHOT_TIMEOUT_MS),
      this.requester.request<ReconciliationSnapshot>(requestSubjects.reconciliation('credit'), {}, SNAPSHOT_TIMEOUT_MS),
      this.requester.request<ReconciliationSnapshot>(requestSubjects.reconciliation('payment'), {}, SNAPSHOT_TIMEOUT_MS),
      this.snapshot(),
    ]);
    const drifts: Drift[] = [];
    const drift = (snapshot: ReconciliationSnapshot, check: string, subject: string, expected: unknown, actual: unknown) => {
      if (String(expected) !== String(actual)) {
        drifts.push({ check, subject, expected: String(expected), actual: String(actual), service: snapshot.service, block: snapshot.projectedBlock });
      }
    };
    const at = (snapshot: ReconciliationSnapshot) => ({ blockTag: Number(snapshot.projectedBlock) });
    const registry = this.chain.contract('AccountRegistry');
    const ledger = this.chain.contract('CreditLedger');
    const token = this.chain.contract('TallyToken');
    const escrowHolder = this.chain.address('TallyToken');

    for (const account of registration.accounts ?? []) {
      const onChain = await registry.getFunction('accountOf')(account.address, at(registration));
      drift(registration, 'account.status', account.address, accountStatuses[Number(onChain.status)], account.status);
    }

    const linesOfAccount = new Map<string, string[]>();
    for (const line of credit.creditLines ?? []) {
      const onChain = await ledger.getFunction('creditLineOf')(line.id, at(credit));
      drift(credit, 'credit-line.used', line.id, onChain.used, line.used);
      drift(credit, 'credit-line.limit', line.id, onChain.limit, line.limit);
      drift(credit, 'credit-line.status', line.id, creditLineStatuses[Number(onChain.status)], line.status);
      linesOfAccount.set(line.creditAccountId, [...(linesOfAccount.get(line.creditAccountId) ?? []), line.id]);
    }
    for (const account of credit.creditAccounts ?? []) {
      const onChain = await ledger.getFunction('creditAccountOf')(account.id, at(credit));
      drift(credit, 'credit-account.used', account.id, onChain.used, account.used);
      drift(credit, 'credit-account.ceiling', account.id, onChain.ceiling, account.ceiling);
      drift(credit, 'credit-account.status', account.id, creditAccountStatuses[Number(onChain.status)], account.status);
      let linesUsed = 0n;
      for (const lineId of linesOfAccount.get(account.id) ?? []) linesUsed += (await ledger.getFunction('creditLineOf')(lineId, at(credit))).used as bigint;
      drift(credit, 'invariant-2.account-used-is-sum-of-lines', account.id, onChain.used, linesUsed);
      if ((onChain.used as bigint) > (onChain.ceiling as bigint)) drift(credit, 'invariant-2.used-within-ceiling', account.id, `≤ ${onChain.ceiling}`, onChain.used);
    }

    // Invariant 1, against each view that carries bills: the payments view and the bills view.
    for (const snapshot of [payment, settlement]) {
      const outstanding = new Map((snapshot.outstandingByLine ?? []).map((row) => [row.lineId, BigInt(row.outstanding)]));
      const lineIds = new Set([...outstanding.keys(), ...(credit.creditLines ?? []).map((line) => line.id)]);
      for (const lineId of lineIds) {
        const onChain = await ledger.getFunction('creditLineOf')(lineId, at(snapshot));
        if (Number(onChain.status) === 0) continue; // not yet opened at this service's block
        drift(snapshot, 'invariant-1.line-used-is-sum-of-open-bills', lineId, onChain.used, outstanding.get(lineId) ?? 0n);
      }
    }

    for (const row of payment.tokenBalances ?? []) {
      const supply = (await token.getFunction('totalSupply(uint256)')(BigInt(row.tokenClassId), at(payment))) as bigint;
      drift(payment, 'invariant-5.supply-is-balances-plus-escrow', row.tokenClassId, supply, BigInt(row.holders) + BigInt(row.escrow));
      drift(payment, 'token.escrow-balance', row.tokenClassId, await token.getFunction('balanceOf')(escrowHolder, BigInt(row.tokenClassId), at(payment)), row.escrow);
    }
    const openEscrow = new Map((settlement.openEscrow ?? []).map((row) => [row.tokenClassId, BigInt(row.amount)]));
    const classes = new Set([...openEscrow.keys(), ...(payment.tokenBalances ?? []).map((row) => row.tokenClassId)]);
    for (const tokenClassId of classes) {
      const escrow = (await token.getFunction('balanceOf')(escrowHolder, BigInt(tokenClassId), at(settlement))) as bigint;
      drift(settlement, 'invariant-5.escrow-is-open-token-settlements', tokenClassId, escrow, openEscrow.get(tokenClassId) ?? 0n);
    }

    const report: ReconciliationReport = {
      ok: drifts.length === 0,
      checkedAt: new Date().toISOString(),
      blocks: Object.fromEntries([registration, credit, payment, settlement].map((snapshot) => [snapshot.service, snapshot.projectedBlock])),
      counts: {
        accounts: registration.accounts?.length ?? 0,
        creditLines: credit.creditLines?.length ?? 0,
        creditAccounts: credit.creditAccounts?.length ?? 0,
        tokenClasses: classes.size,
      },
      truncated: [registration, credit, payment, settlement].some((snapshot) => snapshot.truncated),
      drifts,
    };
    if (!report.ok) this.logger.warn({ drifts: drifts.length, first: drifts[0] }, 'reconciliation found drift');
    return report;
  }
}
