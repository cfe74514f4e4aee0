// NATS request-reply: the payment views for reconciliation (outstanding credit per line, token
// balances per class with the escrow apart), at the block they reflect.
import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { ChainClient, readAtCursor } from '#chain-adapter';
import { MAX_RECONCILIATION_ROWS, requestSubjects, type ReconciliationSnapshot } from '#common';

@Controller()
export class PaymentHandlers {
  constructor(
    private readonly dataSource: DataSource,
    private readonly chain: ChainClient,
  ) {}

  @MessagePattern(requestSubjects.reconciliation('payment'))
  async snapshot(): Promise<ReconciliationSnapshot> {
    const escrowHolder = this.chain.address('TallyToken');
    const { block, value } = await readAtCursor(this.dataSource, 'payment', async (manager) => ({
      outstanding: (await manager.query(
        `SELECT line_id AS "lineId", sum(amount - refunded)::text AS outstanding FROM payments
          WHERE kind = 'CREDIT' AND status IN ('UNSETTLED', 'IN_SETTLEMENT') GROUP BY line_id ORDER BY line_id LIMIT $1`,
        [MAX_RECONCILIATION_ROWS + 1],
      )) as NonNullable<ReconciliationSnapshot['outstandingByLine']>,
      balances: (await manager.query(
        `SELECT token_class_id AS "tokenClassId",
                coalesce(sum(amount) FILTER (WHERE holder <> $1), 0)::text AS holders,
                coalesce(sum(amount) FILTER (WHERE holder = $1), 0)::text AS escrow
           FROM balances GROUP BY token_class_id ORDER BY token_class_id LIMIT $2`,
        [escrowHolder, MAX_RECONCILIATION_ROWS + 1],
      )) as NonNullable<ReconciliationSnapshot['tokenBalances']>,
    }));
    return {
      service: 'payment',
      projectedBlock: block.toString(),
      truncated: value.outstanding.length > MAX_RECONCILIATION_ROWS || value.balances.length > MAX_RECONCILIATION_ROWS,
      outstandingByLine: value.outstanding.slice(0, MAX_RECONCILIATION_ROWS),
      tokenBalances: value.balances.slice(0, MAX_RECONCILIATION_ROWS),
    };
  }
}
