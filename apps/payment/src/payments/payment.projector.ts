// Payments events → token payments and refunds; CreditLedger events → payments on credit (a bill is
// a credit payment: BillRecorded, with the parties from the line's CreditLineOpened), their status
// and refunded amount; payment.* and refund.* events. Runs of recorded payments (a batch's bills,
// most of a rebuild) are written in bulk: one query for their lines or accounts, one statement for
// their rows and events.
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DirectoryAccount, billStatuses, createdBy, updatedBy, type ChainEvent, type Projection } from '#chain-adapter';
import {
  appendChainEventsBySql,
  appendEvents,
  chainEventsInsert,
  eventTypes,
  isoTimestampText,
  jsonText,
  pipelinedWrite,
  rowsMayExist,
  type PaymentRecordedData,
  type PaymentStatusChangedData,
  type RefundRecordedData,
} from '#common';
import { Payment, PaymentLine, Refund, type PaymentStatus } from './payment.entity.js';

/** What a recorded payment takes from its line (credit) or the account directory (tokens); shared by a line's payments. */
type PaymentParties = Pick<Payment, 'kind' | 'payer' | 'payerOrgCode' | 'payee' | 'payeeOrgCode' | 'lineId' | 'tokenClassId'>;

/**
 * Payments of one statement (17 parameters whatever the count): in a projector step each is sent
 * while the next is built, so the database and this process work at once (pipelined-writes.ts).
 */
const MAX_PAYMENTS_PER_STATEMENT = 2_000;

@Injectable()
export class PaymentProjector implements Projection {
  readonly events = [
    'CreditLedger.CreditLineOpened',
    'CreditLedger.BillRecorded',
    'Payments.PaymentRecorded',
    'Payments.RefundRecorded',
    'CreditLedger.BillRefunded',
    'CreditLedger.BillStatusChanged',
  ] as const;
  readonly viewTables = ['payment_lines', 'payments', 'refunds'];

  async apply(event: ChainEvent, manager: EntityManager): Promise<void> {
    const occurredAt = new Date(Number(event.blockTimestamp) * 1000);
    switch (event.name) {
      case 'CreditLineOpened': {
        // The line's parties with their organisations from the account directory, in one statement.
        const written = (await manager.query(
          `INSERT INTO payment_lines (id, enterprise, enterprise_org_code, merchant, merchant_org_code)
           SELECT $1, enterprise.address, enterprise.org_code, merchant.address, merchant.org_code
             FROM accounts enterprise JOIN accounts merchant ON merchant.address = $3
            WHERE enterprise.address = $2
           ON CONFLICT (id) DO UPDATE SET enterprise = EXCLUDED.enterprise, enterprise_org_code = EXCLUDED.enterprise_org_code,
             merchant = EXCLUDED.merchant, merchant_org_code = EXCLUDED.merchant_org_code
           RETURNING id`,
          [event.args.lineId as string, event.args.enterprise as string, event.args.merchant as string],
        )) as unknown[];
        if (written.length !== 1) throw new Error(`${event.name} for unknown accounts at ${event.proof.txHash}`);
        return;
      }
      case 'BillRecorded':
      case 'PaymentRecorded': {
        // One event: its payment.recorded built here, by envelopeOf (the bulk path's reference).
        const [party] = await this.partiesOf([event], manager);
        await writeRecordedPayments(manager, [event], [party], false);
        const dueAt = party.kind === 'CREDIT' ? (event.args.dueAt as bigint) : null;
        const data: PaymentRecordedData = {
          paymentId: paymentIdOf(event),
          kind: party.kind,
          payer: party.payer,
          payerOrgId: party.payerOrgCode,
          payee: party.payee,
          payeeOrgId: party.payeeOrgCode,
          lineId: party.lineId,
          tokenClassId: party.tokenClassId,
          amount: (event.args.amount as bigint).toString(),
          dueAt: dueAt === null ? null : new Date(Number(dueAt) * 1000).toISOString(),
        };
        await appendEvents(manager, [{ type: eventTypes.paymentRecorded, orgId: party.payerOrgCode, source: event.proof, occurredAt, data }]);
        return;
      }
      case 'RefundRecorded': {
        const row = {
          id: event.args.operationId as string,
          paymentId: event.args.paymentId as string,
          amount: event.args.amount as bigint,
          recordedAt: occurredAt,
          ...createdBy(event),
        };
        await manager.upsert(Refund, row, ['id']);
        const payment = await manager.findOneByOrFail(Payment, { id: row.paymentId });
        const data: RefundRecordedData = { refundId: row.id, paymentId: row.paymentId, amount: row.amount.toString(), paymentStatus: payment.status };
        await appendEvents(manager, [{ type: eventTypes.refundRecorded, orgId: payment.payeeOrgCode, source: event.proof, occurredAt, data }]);
        return;
      }
      case 'BillRefunded':
        // The bill's id is the payment's id; `refunded` is the bill's total refunded so far.
        await manager.update(Payment, { id: event.args.billId as string }, { refunded: event.args.refunded as bigint, ...updatedBy(event) });
        return;
      case 'BillStatusChanged': {
        const id = event.args.billId as string;
        const status = billStatuses[Number(event.args.status)] as PaymentStatus;
        const payment = await manager.findOneBy(Payment, { id });
        if (!payment) throw new Error(`BillStatusChanged for unknown payment ${id} at ${event.proof.txHash}`);
        await manager.update(Payment, { id }, { status, ...updatedBy(event) });
        const data: PaymentStatusChangedData = { paymentId: id, status, refunded: payment.refunded.toString() };
        await appendEvents(manager, [{ type: eventTypes.paymentStatusChanged, orgId: payment.payerOrgCode, source: event.proof, occurredAt, data }]);
        return;
      }
    }
  }

  /** Runs of BillRecorded or PaymentRecorded in bulk (their events built by Postgres); any other kind one event at a time. */
  async applyMany(events: readonly ChainEvent[], manager: EntityManager): Promise<void> {
    const name = events[0]?.name;
    if (name === 'BillRecorded' || name === 'PaymentRecorded') return this.recorded(events, manager);
    for (const event of events) await this.apply(event, manager);
  }

  /**
   * Payments recorded by a run of events of one kind (BillRecorded or PaymentRecorded), in order, a
   * few thousand at a time: each part in one statement that upserts their rows and appends their
   * payment.recorded events, built by Postgres from the same values (on the rebuild path this runs
   * tens of thousands of times a second; this process neither builds nor sends the envelopes).
   */
  private async recorded(events: readonly ChainEvent[], manager: EntityManager): Promise<void> {
    const parties = await this.partiesOf(events, manager);
    for (let start = 0; start < events.length; start += MAX_PAYMENTS_PER_STATEMENT) {
      const end = Math.min(events.length, start + MAX_PAYMENTS_PER_STATEMENT);
      await writeRecordedPayments(manager, events.slice(start, end), parties.slice(start, end), true);
    }
  }

  /** The parties of each payment of a run of BillRecorded or PaymentRecorded. */
  private partiesOf(events: readonly ChainEvent[], manager: EntityManager): Promise<PaymentParties[]> {
    return events[0].name === 'BillRecorded' ? this.creditParties(events, manager) : this.tokenParties(events, manager);
  }

  /** BillRecorded → a payment on credit, its parties from the line's CreditLineOpened (one query for the run). */
  private async creditParties(events: readonly ChainEvent[], manager: EntityManager): Promise<PaymentParties[]> {
    const lineIds = [...new Set(events.map((event) => event.args.lineId as string))];
    const found = await manager.createQueryBuilder(PaymentLine, 'line').where('line.id = ANY(:lineIds)', { lineIds }).getMany();
    const lines = new Map<string, PaymentParties>(
      found.map((line) => [
        line.id,
        { kind: 'CREDIT', payer: line.enterprise, payerOrgCode: line.enterpriseOrgCode, payee: line.merchant, payeeOrgCode: line.merchantOrgCode, lineId: line.id, tokenClassId: null },
      ]),
    );
    return events.map((event) => {
      const line = lines.get(event.args.lineId as string);
      if (!line) throw new Error(`BillRecorded on unknown credit line ${event.args.lineId as string} at ${event.proof.txHash}`);
      return line;
    });
  }

  /** PaymentRecorded → a token payment, its parties' organisations from the account directory (one query for the run). */
  private async tokenParties(events: readonly ChainEvent[], manager: EntityManager): Promise<PaymentParties[]> {
    const addresses = [...new Set(events.flatMap((event) => [event.args.payer as string, event.args.payee as string]))];
    const found = await manager.createQueryBuilder(DirectoryAccount, 'account').where('account.address = ANY(:addresses)', { addresses }).getMany();
    const accounts = new Map(found.map((account) => [account.address, account]));
    // One object per distinct payer, payee and class: the run's payments share it (sent once).
    const shared = new Map<string, PaymentParties>();
    return events.map((event) => {
      const payer = event.args.payer as string;
      const payee = event.args.payee as string;
      const tokenClassId = (event.args.tokenId as bigint).toString();
      const key = `${payer} ${payee} ${tokenClassId}`;
      let parties = shared.get(key);
      if (!parties) {
        const payerAccount = accounts.get(payer);
        const payeeAccount = accounts.get(payee);
        if (!payerAccount || !payeeAccount) throw new Error(`${event.name} for unknown accounts at ${event.proof.txHash}`);
        parties = { kind: 'TOKEN', payer, payerOrgCode: payerAccount.orgCode, payee, payeeOrgCode: payeeAccount.orgCode, lineId: null, tokenClassId };
        shared.set(key, parties);
      }
      return parties;
    });
  }
}

/** A recorded payment's id: the bill's (credit: the bill id is the payment's operation id) or the operation's (tokens). */
function paymentIdOf(event: ChainEvent): string {
  return (event.name === 'BillRecorded' ? event.args.billId : event.args.operationId) as string;
}

/**
 * Inserts or replaces the rows of newly recorded payments, as `upsert` one by one would, and
 * appends a payment.recorded event for each event, in one statement. A later event with the same
 * id replaces an earlier one's row (only the last of each id goes into the upsert, which may touch
 * a row once; every event is announced). In a transaction expecting new rows (new-rows.ts) the rows
 * and events are inserted without conflict handling: an existing one fails the statement. What a
 * run's payments share — parties, line or token class, kind — is sent once per distinct
 * combination, the rest once per row: Postgres parses far fewer values. A new row: nothing refunded, UNSETTLED (credit) or COMPLETED (tokens), created and
 * last changed by its event, recorded at its block's time. The event's data is PaymentRecordedData
 * as JSON.stringify writes it (apps/payment/test/payment.test.ts compares the stored envelopes with
 * those of one event at a time, which envelopeOf writes).
 */
async function writeRecordedPayments(manager: EntityManager, events: readonly ChainEvent[], parties: readonly PaymentParties[], withEvents: boolean): Promise<void> {
  const count = events.length;
  const chainId = events[0].proof.chainId;
  const seen = new Set<string>();
  // Ordinals (from 1) of the events whose row a later event of the run replaces: usually none.
  const superseded: number[] = [];
  for (let index = count - 1; index >= 0; index -= 1) {
    const id = paymentIdOf(events[index]);
    if (seen.has(id)) superseded.push(index + 1);
    else seen.add(id);
  }
  const partyIndex = new Map<PaymentParties, number>();
  const distinct: PaymentParties[] = [];
  const ids: string[] = new Array(count);
  const partyOf: number[] = new Array(count);
  const amounts: string[] = new Array(count);
  const dueAts: string[] = new Array(count);
  const recordedAts: string[] = new Array(count);
  const blockNumbers: string[] = new Array(count);
  const txHashes: string[] = new Array(count);
  const logIndexes: number[] = new Array(count);
  for (let row = 0; row < count; row += 1) {
    const event = events[row];
    const party = parties[row];
    let index = partyIndex.get(party);
    if (index === undefined) {
      index = distinct.length + 1; // WITH ORDINALITY counts from 1
      partyIndex.set(party, index);
      distinct.push(party);
    }
    if (event.proof.chainId !== chainId) throw new Error('a run of events spans two chains');
    ids[row] = paymentIdOf(event);
    partyOf[row] = index;
    amounts[row] = (event.args.amount as bigint).toString();
    dueAts[row] = party.kind === 'CREDIT' ? (event.args.dueAt as bigint).toString() : '';
    recordedAts[row] = event.blockTimestamp.toString();
    blockNumbers[row] = event.proof.blockNumber;
    txHashes[row] = event.proof.txHash;
    logIndexes[row] = event.proof.logIndex;
  }
  // The event's data, keys in PaymentRecordedData's order: what the payment's parties give (from
  // "kind" to "tokenClassId") made once per distinct parties; payment ids are hex (decoded from
  // bytes32) and amounts decimal: nothing to escape.
  const partiesJson = withEvents
    ? `, ',"kind":' || ${jsonText('p.kind')} || ',"payer":' || ${jsonText('p.payer')} || ',"payerOrgId":' || ${jsonText('p.payer_org_code')}
         || ',"payee":' || ${jsonText('p.payee')} || ',"payeeOrgId":' || ${jsonText('p.payee_org_code')} || ',"lineId":' || ${jsonText('p.line_id')}
         || ',"tokenClassId":' || ${jsonText('p.token_class_id')} AS parties_json`
    : '';
  const data = `'{"paymentId":"' || r.id || '"' || r.parties_json || ',"amount":"' || r.amount || '","dueAt":' || ${isoTimestampText('to_timestamp(r.due_at)')} || '}'`;
  const rows = `r AS (
       SELECT v.n, v.id, p.kind, p.payer, p.payer_org_code, p.payee, p.payee_org_code, p.line_id, p.token_class_id, v.amount, v.due_at,
              to_timestamp(v.recorded_at) AS recorded_at, v.block_number, v.tx_hash, v.log_index, v.n <> ALL($17::bigint[]) AS latest${withEvents ? ', p.parties_json' : ''}
         FROM unnest(string_to_array($2, ','), string_to_array($3, ',')::integer[], string_to_array($4, ',')::numeric[],
                     string_to_array($5, ',', '')::bigint[], string_to_array($6, ',')::bigint[], string_to_array($7, ',')::bigint[],
                     string_to_array($8, ','), string_to_array($9, ',')::integer[])
                WITH ORDINALITY AS v(id, party, amount, due_at, recorded_at, block_number, tx_hash, log_index, n)
         JOIN (SELECT *${partiesJson}
                 FROM unnest($10::varchar[], $11::varchar[], $12::varchar[], $13::varchar[], $14::varchar[], $15::varchar[], $16::varchar[])
                      WITH ORDINALITY AS p(kind, payer, payer_org_code, payee, payee_org_code, line_id, token_class_id, party)) AS p ON p.party = v.party
     )`;
  // A step of blocks the views never held inserts without conflict handling (new-rows.ts).
  const mayExist = rowsMayExist(manager);
  const insert = `INSERT INTO payments (id, kind, payer, payer_org_code, payee, payee_org_code, line_id, token_class_id, amount, refunded, status, due_at, recorded_at,
                             chain_id, block_number, tx_hash, log_index, updated_block_number, updated_tx_hash, updated_log_index)
       SELECT r.id, r.kind, r.payer, r.payer_org_code, r.payee, r.payee_org_code, r.line_id, r.token_class_id, r.amount, 0,
              CASE r.kind WHEN 'CREDIT' THEN 'UNSETTLED' ELSE 'COMPLETED' END, r.due_at, r.recorded_at,
              $1, r.block_number, r.tx_hash, r.log_index, r.block_number, r.tx_hash, r.log_index
         FROM r WHERE r.latest${
           mayExist
             ? `
       ON CONFLICT (id) DO UPDATE SET
         kind = EXCLUDED.kind, payer = EXCLUDED.payer, payer_org_code = EXCLUDED.payer_org_code, payee = EXCLUDED.payee,
         payee_org_code = EXCLUDED.payee_org_code, line_id = EXCLUDED.line_id, token_class_id = EXCLUDED.token_class_id,
         amount = EXCLUDED.amount, refunded = EXCLUDED.refunded, status = EXCLUDED.status, due_at = EXCLUDED.due_at,
         recorded_at = EXCLUDED.recorded_at, chain_id = EXCLUDED.chain_id, block_number = EXCLUDED.block_number, tx_hash = EXCLUDED.tx_hash,
         log_index = EXCLUDED.log_index, updated_block_number = EXCLUDED.updated_block_number, updated_tx_hash = EXCLUDED.updated_tx_hash,
         updated_log_index = EXCLUDED.updated_log_index`
             : ''
         }`;
  const announce = chainEventsInsert(
    eventTypes.paymentRecorded,
    `SELECT r.payer_org_code AS org_id, $1::text AS chain_id, r.block_number, r.tx_hash, r.log_index, r.recorded_at AS occurred_at, ${data} AS data, r.n AS ord FROM r`,
    mayExist,
  );
  const values = [
    chainId,
    // Per row: joined by commas (none of these values has one; an absent due date is empty),
    // split by Postgres: far less work here than array parameters, whose every value is escaped.
    ids.join(','),
    partyOf.join(','),
    amounts.join(','),
    dueAts.join(','),
    recordedAts.join(','),
    blockNumbers.join(','),
    txHashes.join(','),
    logIndexes.join(','),
    distinct.map((party) => party.kind),
    distinct.map((party) => party.payer),
    distinct.map((party) => party.payerOrgCode),
    distinct.map((party) => party.payee),
    distinct.map((party) => party.payeeOrgCode),
    distinct.map((party) => party.lineId),
    distinct.map((party) => party.tokenClassId),
    superseded,
  ];
  // In a projector step, sent while the next part is built (pipelined-writes.ts); the events
  // buffered before it are written first (appendChainEventsBySql).
  if (withEvents) await appendChainEventsBySql(manager, `WITH ${rows}, written AS (${insert}) ${announce}`, values);
  else await pipelinedWrite(manager, `WITH ${rows} ${insert}`, values);
}
